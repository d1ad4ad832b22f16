// Master keys: 32 bytes from LLMOS_MASTER_KEY (64 hex digits) or the 0600 file <data-dir>/master.key
// (created on first use). A rotation in progress leaves master.key.next, which is loaded too.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError, NotFoundError } from "../../errors/index.ts";
import { loadOrCreateKey, readKey } from "../keyfile.ts";

export const MASTER_KEY_FILE = "master.key";
export const NEXT_MASTER_KEY_FILE = "master.key.next";

export interface MasterKey {
  /** 16 hex digits naming the key (a hash of it); safe to store and print. */
  id: string;
  key: Uint8Array;
}

export function masterKey(key: Uint8Array): MasterKey {
  if (key.length !== 32) throw new InvalidArgumentError("master key", "must be 32 bytes");
  const tagged = new Uint8Array([...new TextEncoder().encode("llmos master key id\0"), ...key]);
  return { id: bytesToHex(sha256(tagged)).slice(0, 16), key };
}

export function parseHexKey(field: string, text: string): Uint8Array {
  const t = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(t)) throw new InvalidArgumentError(field, "must be 64 hex digits (32 bytes); e.g. 'openssl rand -hex 32'");
  return new Uint8Array(Buffer.from(t, "hex"));
}

export class MasterKeyring {
  private readonly byId = new Map<string, MasterKey>();

  constructor(
    /** The key new data keys are wrapped with. */
    readonly current: MasterKey,
    others: MasterKey[] = [],
  ) {
    for (const k of [current, ...others]) this.byId.set(k.id, k);
  }

  /**
   * LLMOS_MASTER_KEY when set, else <dataDir>/master.key (created 0600 if missing); plus
   * master.key.next when a rotation was interrupted, so objects re-wrapped under it still open.
   */
  static load(dataDir: string, env: NodeJS.ProcessEnv = process.env): MasterKeyring {
    const fromEnv = env.LLMOS_MASTER_KEY;
    const current = masterKey(fromEnv ? parseHexKey("LLMOS_MASTER_KEY", fromEnv) : loadOrCreateKey(join(dataDir, MASTER_KEY_FILE)));
    const others: MasterKey[] = [];
    const next = join(dataDir, NEXT_MASTER_KEY_FILE);
    if (existsSync(next)) others.push(masterKey(readKey(next)));
    if (env.LLMOS_NEW_MASTER_KEY) others.push(masterKey(parseHexKey("LLMOS_NEW_MASTER_KEY", env.LLMOS_NEW_MASTER_KEY)));
    return new MasterKeyring(current, others);
  }

  get(id: string): MasterKey {
    const k = this.byId.get(id);
    if (!k) throw new NotFoundError("master key", id, "the data key was wrapped by a master key this process does not have");
    return k;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }
}
