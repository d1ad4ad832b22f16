// A pseudorandom generator of field elements: AES-256-CTR keystream from node:crypto, keyed by a
// 32-byte seed, with a 64-bit stream index in the IV's high half so every request gets its own stream.
// Used as in CrypTen's trusted-first-party mode: parties 1..n-1 derive their preprocessing shares from a
// seed the dealer gave them, so only party 0 receives shares over the network.
import { createCipheriv } from "node:crypto";
import { bytesToField, FIELD_BYTES } from "./field.ts";

export function prgField(seed: Uint8Array, stream: bigint, count: number): bigint[] {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(stream, 0);
  const cipher = createCipheriv("aes-256-ctr", seed, iv);
  const keystream = cipher.update(Buffer.alloc(count * FIELD_BYTES));
  cipher.final();
  return bytesToField(keystream, count);
}
