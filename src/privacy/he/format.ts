// The byte format of stored CKKS objects (keys, ciphertexts, encrypted vectors), e.g. in the encrypted
// store: magic "LLMOSHE1" (8 bytes) | kind (1 byte) | params id (32 bytes, SHA-256 of the SEAL
// encryption parameters) | payload length (u32 BE) | payload. The payload is SEAL's own serialisation
// (its "SEAL" header, zstd-compressed) or, for an encrypted vector: length (u32) | chunk count (u32) |
// per chunk: byte length (u32) + SEAL ciphertext.
import { HeFormatError } from "./errors.ts";

export const MAGIC = Buffer.from("LLMOSHE1", "ascii");
export const KINDS = { params: 1, publicKey: 2, secretKey: 3, galoisKeys: 4, relinKeys: 5, ciphertext: 6, vector: 7 } as const;
export type Kind = keyof typeof KINDS;
const HEADER = MAGIC.length + 1 + 32 + 4;

export function wrap(kind: Kind, paramsId: Uint8Array, payload: Uint8Array): Uint8Array {
  const out = Buffer.alloc(HEADER + payload.byteLength);
  MAGIC.copy(out, 0);
  out[8] = KINDS[kind];
  Buffer.from(paramsId).copy(out, 9);
  out.writeUInt32BE(payload.byteLength, 41);
  Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).copy(out, HEADER);
  return out;
}

/** Checks magic, kind and (unless null) the params id; returns the payload. */
export function unwrap(bytes: Uint8Array, kind: Kind, paramsId: Uint8Array | null): Uint8Array {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < HEADER || !b.subarray(0, 8).equals(MAGIC)) throw new HeFormatError("missing the LLMOSHE1 header");
  if (b[8] !== KINDS[kind]) throw new HeFormatError(`expected a ${kind}, found kind ${b[8]}`);
  if (paramsId && !b.subarray(9, 41).equals(Buffer.from(paramsId))) throw new HeFormatError(`this ${kind} belongs to other encryption parameters`);
  const len = b.readUInt32BE(41);
  if (b.length !== HEADER + len) throw new HeFormatError(`payload is ${b.length - HEADER} bytes, header says ${len}`);
  return Uint8Array.from(b.subarray(HEADER));
}

export function paramsIdOf(bytes: Uint8Array): Uint8Array {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < HEADER || !b.subarray(0, 8).equals(MAGIC)) throw new HeFormatError("missing the LLMOSHE1 header");
  return Uint8Array.from(b.subarray(9, 41));
}
