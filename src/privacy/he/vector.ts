// Vectors longer than one ciphertext: split into chunks of N/2 slots (batched encoding), encrypted
// under a public key, added chunk by chunk, multiplied by plaintexts with rescaling, serialised.
import { InvalidArgumentError } from "../../errors/index.ts";
import type { CipherText, CkksContext, PublicKey, SecretKey } from "./context.ts";
import { HeDisposedError, HeFormatError } from "./errors.ts";
import { unwrap, wrap } from "./format.ts";

export class EncryptedVector {
  private disposed = false;
  constructor(readonly ctx: CkksContext, readonly length: number, readonly chunks: CipherText[]) {}

  check(): void {
    if (this.disposed) throw new HeDisposedError("encrypted vector");
    this.ctx.check();
  }

  /** this += other, chunk by chunk (no noise growth beyond the sum of the two noises). */
  addInPlace(other: EncryptedVector): void {
    this.check();
    other.check();
    if (other.length !== this.length) throw new InvalidArgumentError("vector", `lengths differ (${this.length} vs ${other.length})`);
    this.chunks.forEach((c, i) => this.ctx.evaluator.add(c, other.chunks[i]!, c));
  }

  /**
   * this ⊙ w for a plaintext vector (or scalar) w, then rescale: the scale returns to ≈ 2^scaleBits and one
   * level of the modulus chain is used (the default chain has two).
   */
  multiplyPlainInPlace(w: ArrayLike<number> | number): void {
    this.check();
    const slots = this.ctx.slots;
    this.chunks.forEach((c, i) => {
      const part = typeof w === "number" ? new Float64Array(Math.min(slots, this.length - i * slots)).fill(w) : sliceOf(w, i * slots, Math.min((i + 1) * slots, this.length));
      const pt = this.ctx.encode(part);
      try {
        this.ctx.evaluator.plainModSwitchTo(pt, c.parmsId, pt);
        this.ctx.evaluator.multiplyPlain(c, pt, c);
        this.ctx.evaluator.rescaleToNext(c, c);
      } finally {
        pt.delete();
      }
    });
  }

  serialize(): Uint8Array {
    this.check();
    const z = this.ctx.seal.ComprModeType.zstd;
    const parts = this.chunks.map((c) => c.saveArray(z));
    const head = Buffer.alloc(8);
    head.writeUInt32BE(this.length, 0);
    head.writeUInt32BE(parts.length, 4);
    const body: Buffer[] = [head];
    for (const p of parts) {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(p.byteLength, 0);
      body.push(len, Buffer.from(p.buffer, p.byteOffset, p.byteLength));
    }
    return wrap("vector", this.ctx.paramsId, Buffer.concat(body));
  }

  static deserialize(ctx: CkksContext, bytes: Uint8Array): EncryptedVector {
    const b = Buffer.from(unwrap(bytes, "vector", ctx.paramsId));
    if (b.length < 8) throw new HeFormatError("encrypted vector is truncated");
    const length = b.readUInt32BE(0);
    const count = b.readUInt32BE(4);
    if (count !== Math.ceil(length / ctx.slots)) throw new HeFormatError(`${count} chunks cannot hold ${length} entries`);
    const chunks: CipherText[] = [];
    let off = 8;
    try {
      for (let i = 0; i < count; i++) {
        if (off + 4 > b.length) throw new HeFormatError("encrypted vector is truncated");
        const len = b.readUInt32BE(off);
        off += 4;
        if (off + len > b.length) throw new HeFormatError("encrypted vector is truncated");
        const ct = ctx.seal.CipherText();
        chunks.push(ct);
        try {
          ct.loadArray(ctx.context, Uint8Array.from(b.subarray(off, off + len)));
        } catch (cause) {
          throw new HeFormatError(`chunk ${i} is not a valid ciphertext for these parameters`, { cause });
        }
        off += len;
      }
      if (off !== b.length) throw new HeFormatError("trailing bytes after the last chunk");
    } catch (e) {
      for (const c of chunks) c.delete();
      throw e;
    }
    return new EncryptedVector(ctx, length, chunks);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.chunks) c.delete();
  }
}

function sliceOf(v: ArrayLike<number>, from: number, to: number): Float64Array {
  const out = new Float64Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = v[i]!;
  return out;
}

export function encryptVector(ctx: CkksContext, publicKey: PublicKey, values: ArrayLike<number>): EncryptedVector {
  ctx.check();
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) throw new InvalidArgumentError("values", `entry ${i} is not a finite number`);
  const enc = ctx.seal.Encryptor(ctx.context, publicKey);
  const slots = ctx.slots;
  const chunks: CipherText[] = [];
  try {
    for (let from = 0; from < values.length; from += slots) {
      const pt = ctx.encode(sliceOf(values, from, Math.min(from + slots, values.length)));
      try {
        chunks.push(enc.encrypt(pt)!);
      } finally {
        pt.delete();
      }
    }
  } catch (e) {
    for (const c of chunks) c.delete();
    throw e;
  } finally {
    enc.delete();
  }
  return new EncryptedVector(ctx, values.length, chunks);
}

export function decryptVector(ctx: CkksContext, secretKey: SecretKey, v: EncryptedVector): Float64Array {
  v.check();
  const dec = ctx.seal.Decryptor(ctx.context, secretKey);
  const out = new Float64Array(v.length);
  const slots = ctx.slots;
  try {
    v.chunks.forEach((c, i) => {
      const pt = dec.decrypt(c)!;
      try {
        const d = ctx.encoder.decode(pt);
        out.set(d.subarray(0, Math.min(slots, v.length - i * slots)), i * slots);
      } finally {
        pt.delete();
      }
    });
  } finally {
    dec.delete();
  }
  return out;
}
