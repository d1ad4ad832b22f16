// Encrypted inference of a linear layer y = W·x + b with x encrypted by the client and W, b in the
// clear at the server, which never sees x or y. Diagonal method (Halevi & Shoup, CRYPTO 2014): with
// d = next power of two ≥ max(in, out), W zero-padded to d×d and x tiled with period d over all slots,
// W·x = Σ_k diag_k ⊙ rot_k(x), diag_k[t] = W[t][(t+k) mod d]. Baby-step giant-step with b·g = d:
// W·x = Σ_j rot_{jb}( Σ_i rot_{−jb}(diag_{jb+i}) ⊙ rot_i(x) ), so (b−1) + (g−1) ≈ 2√d rotations and
// Galois keys only for those steps. One plaintext multiplication: one rescale, one level.
// Error bound (scale 2^40, N = 8192): for |w|, |x|, |b| ≤ 1 and d ≤ 1024 the max abs error of y is
// ≤ 1e-4 (asserted in he.test.ts); measured 1.6e-6 (100×100) to 5e-6 (10×128). It grows about with √d·max|w|
// (d rotated, independently noisy terms). Results must stay below 2^19 in magnitude: after the
// rescale only the 60-bit prime remains above the 2^40 scale.
import { InvalidArgumentError } from "../../errors/index.ts";
import type { CipherText, CkksContext, GaloisKeys, PlainText, PublicKey, SecretKey } from "./context.ts";
import { HeFormatError } from "./errors.ts";
import { unwrap, wrap } from "./format.ts";

export interface LinearPlan {
  inputs: number;
  outputs: number;
  d: number;
  baby: number;
  giant: number;
  /** Rotation steps the Galois keys must cover. */
  steps: number[];
}

export function linearPlan(inputs: number, outputs: number, slots: number): LinearPlan {
  if (!Number.isInteger(inputs) || inputs < 1 || !Number.isInteger(outputs) || outputs < 1) throw new InvalidArgumentError("layer", "inputs and outputs must be positive integers");
  let d = 1;
  while (d < Math.max(inputs, outputs)) d *= 2;
  if (d > slots) throw new InvalidArgumentError("layer", `dimension ${d} exceeds the ${slots} slots of one ciphertext`);
  const baby = 2 ** Math.ceil(Math.log2(d) / 2);
  const giant = d / baby;
  const steps = [...Array.from({ length: baby - 1 }, (_, i) => i + 1), ...Array.from({ length: giant - 1 }, (_, j) => (j + 1) * baby)];
  return { inputs, outputs, d, baby, giant, steps };
}

function tile(period: ArrayLike<number>, d: number, slots: number): Float64Array {
  const out = new Float64Array(slots);
  for (let t = 0; t < slots; t++) out[t] = period[t % d] ?? 0;
  return out;
}

/** Client: encrypts x tiled with period d (the layout the diagonal method rotates). */
export function encryptLinearInput(ctx: CkksContext, publicKey: PublicKey, x: ArrayLike<number>, plan: LinearPlan): CipherText {
  if (x.length !== plan.inputs) throw new InvalidArgumentError("x", `has ${x.length} entries, the layer takes ${plan.inputs}`);
  const padded = new Float64Array(plan.d);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new InvalidArgumentError("x", `entry ${i} is not a finite number`);
    padded[i] = x[i]!;
  }
  const enc = ctx.seal.Encryptor(ctx.context, publicKey);
  const pt = ctx.encode(tile(padded, plan.d, ctx.slots));
  try {
    return enc.encrypt(pt)!;
  } finally {
    pt.delete();
    enc.delete();
  }
}

/** Server: the layer's pre-rotated diagonals as plaintexts, ready to apply to encrypted inputs. */
export class EncryptedLinearLayer {
  private constructor(
    private readonly ctx: CkksContext,
    readonly plan: LinearPlan,
    private readonly diagonals: (PlainText | null)[],
    private readonly bias: Float64Array,
  ) {}

  static create(ctx: CkksContext, w: readonly (readonly number[])[], b: readonly number[]): EncryptedLinearLayer {
    const outputs = w.length;
    const inputs = w[0]?.length ?? 0;
    if (w.some((r) => r.length !== inputs)) throw new InvalidArgumentError("w", "rows differ in length");
    if (b.length !== outputs) throw new InvalidArgumentError("b", `needs ${outputs} entries`);
    const plan = linearPlan(inputs, outputs, ctx.slots);
    const { d, baby } = plan;
    const at = (r: number, c: number) => (r < outputs && c < inputs ? w[r]![c]! : 0);
    const diagonals: (PlainText | null)[] = [];
    for (let k = 0; k < d; k++) {
      const j = Math.floor(k / baby);
      const shift = j * baby;
      const v = new Float64Array(d);
      let any = false;
      for (let t = 0; t < d; t++) {
        const src = (((t - shift) % d) + d) % d; // rot_{−jb}(diag_k)[t] = diag_k[t − jb]
        v[t] = at(src, (src + k) % d);
        if (v[t] !== 0) any = true;
      }
      diagonals.push(any ? ctx.encode(tile(v, d, ctx.slots)) : null);
    }
    if (diagonals.every((p) => p === null)) throw new InvalidArgumentError("w", "is all zeros; the product would be a transparent ciphertext");
    const bias = new Float64Array(d);
    b.forEach((x, i) => (bias[i] = x));
    return new EncryptedLinearLayer(ctx, plan, diagonals, bias);
  }

  /** W·x + b on an encrypted, tiled x; the result's slots 0..out−1 hold y (decryptLinearOutput). */
  evaluate(x: CipherText, galoisKeys: GaloisKeys): CipherText {
    const ev = this.ctx.evaluator;
    const { baby, giant } = this.plan;
    const babies: CipherText[] = [x];
    const temps: CipherText[] = [];
    try {
      for (let i = 1; i < baby; i++) {
        const r = ev.rotateVector(x, i, galoisKeys)!;
        babies.push(r);
        temps.push(r);
      }
      let acc: CipherText | null = null;
      for (let j = 0; j < giant; j++) {
        let inner: CipherText | null = null;
        for (let i = 0; i < baby; i++) {
          const pt = this.diagonals[j * baby + i];
          if (!pt) continue;
          const term = ev.multiplyPlain(babies[i]!, pt)!;
          if (inner) {
            ev.add(inner, term, inner);
            term.delete();
          } else inner = term;
        }
        if (!inner) continue;
        if (j > 0) ev.rotateVector(inner, j * baby, galoisKeys, inner);
        if (acc) {
          ev.add(acc, inner, acc);
          inner.delete();
        } else acc = inner;
      }
      if (!acc) throw new InvalidArgumentError("w", "is all zeros");
      ev.rescaleToNext(acc, acc);
      const pb = this.ctx.encode(tile(this.bias, this.plan.d, this.ctx.slots), acc.scale);
      try {
        ev.plainModSwitchTo(pb, acc.parmsId, pb);
        ev.addPlain(acc, pb, acc);
      } finally {
        pb.delete();
      }
      return acc;
    } finally {
      for (const t of temps) t.delete();
    }
  }

  dispose(): void {
    for (const p of this.diagonals) p?.delete();
    this.diagonals.length = 0;
  }
}

export function decryptLinearOutput(ctx: CkksContext, secretKey: SecretKey, y: CipherText, plan: LinearPlan): Float64Array {
  const dec = ctx.seal.Decryptor(ctx.context, secretKey);
  try {
    const pt = dec.decrypt(y)!;
    try {
      return ctx.encoder.decode(pt).slice(0, plan.outputs);
    } finally {
      pt.delete();
    }
  } finally {
    dec.delete();
  }
}

/** One ciphertext in the LLMOSHE1 format (kind "ciphertext"), e.g. an encrypted input or result on the wire. */
export function serializeCiphertext(ctx: CkksContext, ct: CipherText): Uint8Array {
  ctx.check();
  return wrap("ciphertext", ctx.paramsId, ct.saveArray(ctx.seal.ComprModeType.zstd));
}

export function deserializeCiphertext(ctx: CkksContext, bytes: Uint8Array): CipherText {
  ctx.check();
  const payload = unwrap(bytes, "ciphertext", ctx.paramsId);
  const ct = ctx.seal.CipherText();
  try {
    ct.loadArray(ctx.context, payload);
    return ct;
  } catch (cause) {
    ct.delete();
    throw new HeFormatError("the ciphertext does not load under these parameters", { cause });
  }
}

/**
 * Server side of encrypted inference, bytes in and out: the client's encrypted tiled input and its
 * Galois keys (LLMOSHE1) → the encrypted W·x + b. The server holds no secret key.
 */
export function evaluateLinearBytes(ctx: CkksContext, layer: EncryptedLinearLayer, input: Uint8Array, galoisKeys: Uint8Array): Uint8Array {
  const x = deserializeCiphertext(ctx, input);
  const gk = ctx.loadGaloisKeys(galoisKeys);
  try {
    const y = layer.evaluate(x, gk);
    try {
      return serializeCiphertext(ctx, y);
    } finally {
      y.delete();
    }
  } finally {
    x.delete();
    gk.delete();
  }
}
