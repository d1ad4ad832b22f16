// The ledger's keys, derived from one 32-byte seed file (0600) in the data directory with HKDF
// (RFC 5869): an Ed25519 key that signs tree heads (RFC 8032) and an HMAC-SHA256 key (RFC 2104,
// node:crypto, the faster of the two here) that tags every row, pinning a row to its index.
import { ed25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { createHmac } from "node:crypto";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { join } from "node:path";
import { loadOrCreateKey } from "../keyfile.ts";
import { hashEquals, type Hash } from "./merkle.ts";

export const AUDIT_KEY_FILE = "audit-signing.key";
const enc = new TextEncoder();

export class LedgerKeys {
  readonly publicKey: Uint8Array;
  /** First 16 hex digits of SHA-256(public key): names the key in heads. */
  readonly keyId: string;
  readonly #signing: Uint8Array;
  readonly #mac: Uint8Array;

  constructor(seed: Uint8Array) {
    this.#signing = hkdf(sha256, seed, undefined, enc.encode("llmos audit tree-head signing v1"), 32);
    this.#mac = hkdf(sha256, seed, undefined, enc.encode("llmos audit row mac v1"), 32);
    this.publicKey = ed25519.getPublicKey(this.#signing);
    this.keyId = bytesToHex(sha256(this.publicKey)).slice(0, 16);
  }

  /** Loads (creating on first use) the seed file `<dataDir>/audit-signing.key`. */
  static forDataDir(dataDir: string): LedgerKeys {
    return new LedgerKeys(loadOrCreateKey(join(dataDir, AUDIT_KEY_FILE)));
  }

  sign(message: string): Uint8Array {
    return ed25519.sign(enc.encode(message), this.#signing);
  }

  /** Tag binding a leaf hash to its index. */
  rowMac(index: number, leaf: Hash): Uint8Array {
    const msg = new Uint8Array(8 + leaf.length);
    new DataView(msg.buffer).setBigUint64(0, BigInt(index));
    msg.set(leaf, 8);
    return createHmac("sha256", this.#mac).update(msg).digest();
  }

  checkRowMac(index: number, leaf: Hash, mac: Uint8Array): boolean {
    return hashEquals(this.rowMac(index, leaf), mac);
  }
}

/** Ed25519 verification of a head signature with only the public key (what an outside auditor holds). */
export function verifyHeadSignature(message: string, signature: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, enc.encode(message), publicKey);
  } catch {
    return false;
  }
}
