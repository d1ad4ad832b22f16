// A pseudorandom generator: AES-256-CTR keystream from node:crypto, keyed by a 32-byte seed, with a
// 64-bit stream index in the IV's high half so every request gets its own stream (2^64 blocks each).
// Used as in CrypTen's trusted-first-party mode: parties 1..n-1 derive their preprocessing shares from a
// seed the dealer gave them, so only party 0 receives shares over the network.
import { createCipheriv } from "node:crypto";
import { bytesToField, FIELD_BYTES } from "./field.ts";

export function prgBytes(seed: Uint8Array, stream: bigint, length: number): Uint8Array {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(stream, 0);
  const cipher = createCipheriv("aes-256-ctr", seed, iv);
  const out = cipher.update(Buffer.alloc(length));
  cipher.final();
  return out;
}

export function prgField(seed: Uint8Array, stream: bigint, count: number): bigint[] {
  return bytesToField(prgBytes(seed, stream, count * FIELD_BYTES), count);
}
