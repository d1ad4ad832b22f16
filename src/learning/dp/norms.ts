// Per-example squared gradient norms from the taps, without forming per-example gradients of the
// whole model at once. A linear layer's per-example gradient is G_i = Σ_t g_t a_tᵀ, so
//   ||G_i||² = ⟨A_i A_iᵀ, G_i G_iᵀ⟩ (the ghost norm: Goodfellow 2015; Li et al. 2021, ICLR 2022 §4)
// at T²(p+d) per example, or directly ||g_iᵀ a_i||² at T·p·d; each layer takes the cheaper one
// (the mixed rule of Bu et al. 2022). The embedding's norm comes from token ids and output
// gradients (rows of equal ids add up); RMSNorm gains get their per-example gradients directly.
import * as tf from "@tensorflow/tfjs";
import type { LinearTap, Taps } from "./forward.ts";

/** "auto" picks per layer by cost; "ghost" and "direct" force one identity (tests cover both). */
export type NormMode = "auto" | "ghost" | "direct";

interface Shape {
  B: number;
  T: number;
}

function groupGrad(tap: LinearTap): tf.Tensor2D {
  const dys = tap.dys.map((d, i) => {
    if (!d) throw new Error(`internal: no output gradient reached '${tap.names[i]}'`);
    return d;
  });
  return dys.length === 1 ? tf.clone(dys[0]!) : tf.concat(dys, 1);
}

/** Σ over positions of equal id of the embedding output gradient: unique ids and row sums [U, dim]. */
function embeddingRows(d: Float32Array, ids: Int32Array, i: number, T: number, dim: number): { ids: number[]; rows: Float64Array } {
  const slot = new Map<number, number>();
  const order: number[] = [];
  for (let t = 0; t < T; t++) {
    const id = ids[i * T + t]!;
    if (!slot.has(id)) {
      slot.set(id, order.length);
      order.push(id);
    }
  }
  const rows = new Float64Array(order.length * dim);
  for (let t = 0; t < T; t++) {
    const r = slot.get(ids[i * T + t]!)! * dim;
    const src = (i * T + t) * dim;
    for (let k = 0; k < dim; k++) rows[r + k] = rows[r + k]! + d[src + k]!;
  }
  return { ids: order, rows };
}

/** ||E_i||² of an untied embedding: Σ over distinct ids of ||Σ_{t: id_t = v} d_t||², on the CPU (B·T·dim work). */
function embeddingNorms(d: Float32Array, ids: Int32Array, s: Shape, dim: number, out: Float64Array): void {
  for (let i = 0; i < s.B; i++) {
    const { rows } = embeddingRows(d, ids, i, s.T, dim);
    let n = 0;
    for (let k = 0; k < rows.length; k++) n += rows[k]! * rows[k]!;
    out[i] = out[i]! + n;
  }
}

function chooseGhost(mode: NormMode, T: number, p: number, d: number): boolean {
  if (mode !== "auto") return mode === "ghost";
  return T * T * (p + d) < T * p * d;
}

/** Per-example norms of one layer, and (direct identity, when kept) the per-example gradients, transposed: [B, d·p]. */
interface GroupResult {
  norms: tf.Tensor1D;
  perExample?: tf.Tensor2D;
}

/**
 * Per-example ||G_i||² [B] of one linear "layer" with rows x [B·R, d] and output gradients
 * g [B·R, p] (R rows per example). Per-example matmuls are plain 2-D ones cut out on the CPU
 * (XNNPACK; wasm batched matmuls take a slow path), and results stay on the device until one read.
 * With `keep`, the direct identity's G_i are returned too, so the clipped sum is Σ c_i G_i (B·p·d
 * work) instead of a second weight-gradient matmul (B·R·p·d).
 */
function groupNorms(x: tf.Tensor2D, g: tf.Tensor2D, B: number, mode: NormMode, keepBytes: number): GroupResult {
  const d = x.shape[1];
  const p = g.shape[1];
  const R = x.shape[0] / B;
  const keep = mode !== "ghost" && B * p * d * 4 <= keepBytes;
  const ghost = !keep && chooseGhost(mode, R, p, d);
  const cut = (buf: Float32Array, i: number, rows: number, cols: number) => tf.tensor2d(buf.subarray(i * rows * cols, (i + 1) * rows * cols), [rows, cols]);
  // Per-example A_iᵀ [d, R] come from one transpose of x (d ≤ p here, the cheaper side); the
  // direct identity then forms G_iᵀ = A_iᵀ g_i [d, p], whose norm is G_i's.
  const xt = tf.tidy(() => tf.transpose(tf.reshape(x, [B, R, d]), [0, 2, 1]));
  const xtb = xt.dataSync() as Float32Array;
  xt.dispose();
  const gb = g.dataSync() as Float32Array;
  if (keep) {
    const perExample = tf.tidy(() => {
      const mats: tf.Tensor2D[] = [];
      for (let i = 0; i < B; i++) mats.push(tf.reshape(tf.matMul(cut(xtb, i, d, R), cut(gb, i, R, p)), [1, d * p]));
      return tf.concat(mats, 0);
    });
    return { norms: tf.tidy(() => tf.sum(tf.square(perExample), 1)), perExample };
  }
  const xb = x.dataSync() as Float32Array;
  let gtb: Float32Array | undefined;
  if (ghost) {
    const gt = tf.tidy(() => tf.transpose(tf.reshape(g, [B, R, p]), [0, 2, 1]));
    gtb = gt.dataSync() as Float32Array;
    gt.dispose();
  }
  const norms = tf.tidy(() => {
    const per: tf.Scalar[] = [];
    for (let i = 0; i < B; i++) {
      if (ghost) {
        // ⟨A_i A_iᵀ, G_i G_iᵀ⟩: two [R, R] Gram matrices, never the [p, d] gradient.
        const aa = tf.matMul(cut(xb, i, R, d), cut(xtb, i, d, R));
        const gg = tf.matMul(cut(gb, i, R, p), cut(gtb!, i, p, R));
        per.push(tf.sum(tf.mul(aa, gg)));
      } else {
        per.push(tf.sum(tf.square(tf.matMul(cut(xtb, i, d, R), cut(gb, i, R, p)))));
      }
    }
    return tf.stack(per) as tf.Tensor1D;
  });
  return { norms };
}

/** Per-example row-major stack of two [B·T, w] tensors into [B·2T, w] (example i's rows of a, then of b). */
function interleave(a: tf.Tensor2D, b: tf.Tensor2D, B: number): tf.Tensor2D {
  const w = a.shape[1];
  const T = a.shape[0] / B;
  return tf.reshape(tf.concat([tf.reshape(a, [B, T, w]), tf.reshape(b, [B, T, w])], 1), [B * 2 * T, w]) as tf.Tensor2D;
}

export interface PerExampleNorms {
  /** ||∇L_i||² over all parameters. */
  squared: Float64Array;
  /** Per linear tap (same order as taps.linears): kept per-example gradients G_iᵀ as [B, d·p], columns of p in name order. */
  linears: (tf.Tensor2D | undefined)[];
  /** The head's kept per-example gradients. */
  head?: tf.Tensor2D;
  /** True when `head` is the tied matrix's whole gradient, the embedding's part included. */
  headWithEmbedding: boolean;
}

/** Whether the tied head's per-example gradients [B, dim·vocab] are kept (then its cross term is on the CPU). */
function keepsTiedHead(B: number, vocab: number, dim: number, mode: NormMode, keepBytes: number): boolean {
  return mode !== "ghost" && B * vocab * dim * 4 <= keepBytes;
}

/** Adds ||E_i||² + 2⟨H_i, E_i⟩ per example from kept H_iᵀ [B, dim·vocab] (entry (k, v) at k·vocab + v). */
function tiedTerms(kept: tf.Tensor2D, d: Float32Array, ids: Int32Array, s: Shape, dim: number, vocab: number, out: Float64Array): void {
  const h = kept.dataSync() as Float32Array;
  for (let i = 0; i < s.B; i++) {
    const { ids: uniq, rows } = embeddingRows(d, ids, i, s.T, dim);
    const base = i * dim * vocab;
    let e = 0;
    let cross = 0;
    for (let u = 0; u < uniq.length; u++) {
      const v = uniq[u]!;
      for (let k = 0; k < dim; k++) {
        const sv = rows[u * dim + k]!;
        e += sv * sv;
        cross += sv * h[base + k * vocab + v]!;
      }
    }
    out[i] = out[i]! + e + 2 * cross;
  }
}

/** Default bound on kept per-example gradients per layer; above it the weight gradient is recomputed. */
export const KEEP_BYTES = 64 * 1024 * 1024;

/** Squared per-example gradient norms over all parameters, for the taps of one micro-batch. */
export function perExampleNorms(taps: Taps, ids: Int32Array, s: Shape, tied: boolean, mode: NormMode = "auto", keepBytes = KEEP_BYTES, linearsOnly = false): PerExampleNorms {
  const parts: tf.Tensor1D[] = [];
  const kept: (tf.Tensor2D | undefined)[] = [];
  const extra = new Float64Array(s.B);
  let head: tf.Tensor2D | undefined;
  try {
    for (const tap of taps.linears) {
      const g = groupGrad(tap);
      const r = groupNorms(tap.x, g, s.B, mode, keepBytes);
      parts.push(r.norms);
      kept.push(r.perExample);
      g.dispose();
    }
    if (linearsOnly) {
      // LoRA: only the adapters (all linear taps) are trained.
      const total = tf.tidy(() => tf.addN(parts));
      const squared = Float64Array.from(total.dataSync());
      total.dispose();
      return { squared, linears: kept, headWithEmbedding: false };
    }
    parts.push(tf.tidy(() => {
      const per = taps.gains.map((gt) => tf.sum(tf.reshape(tf.mul(gt.n, gt.dy!), [s.B, s.T, gt.n.shape[1]]), 1));
      return tf.sum(tf.square(tf.concat(per, 1)), 1) as tf.Tensor1D;
    }));
    const hg = groupGrad(taps.head);
    const vocab = hg.shape[1];
    let r: GroupResult;
    let headWithEmbedding = false;
    const dim = taps.embedGrad!.shape[1];
    if (!tied || keepsTiedHead(s.B, vocab, dim, mode, keepBytes)) {
      r = groupNorms(taps.head.x, hg, s.B, mode, keepBytes);
      // Tied, with H_i kept: ||H_i + E_i||² = ||H_i||² + ||E_i||² + 2⟨H_i, E_i⟩, the last two on the
      // CPU from the ids and embedding output gradients: ⟨H_i, E_i⟩ = Σ_t d_t·H_i[id_t].
      if (tied) tiedTerms(r.perExample!, taps.embedGrad!.dataSync() as Float32Array, ids, s, dim, vocab, extra);
    } else {
      // The tied matrix's per-example gradient is H_i + E_i = g_iᵀa_i + O_iᵀd_i (O_i: one-hot ids,
      // d_i: embedding output gradients) = [g_i; O_i]ᵀ[a_i; d_i], a linear layer with 2T rows, so
      // the cross term ⟨H_i, E_i⟩ comes out of the same identity.
      const [gx, xx] = tf.tidy(() => {
        const onehot = tf.cast(tf.oneHot(tf.tensor1d(ids, "int32"), vocab), "float32") as tf.Tensor2D;
        return [interleave(hg, onehot, s.B), interleave(taps.head.x, taps.embedGrad!, s.B)];
      });
      r = groupNorms(xx!, gx!, s.B, mode, keepBytes);
      tf.dispose([gx!, xx!]);
      headWithEmbedding = r.perExample !== undefined;
    }
    parts.push(r.norms);
    head = r.perExample;
    hg.dispose();
    const total = tf.tidy(() => tf.addN(parts));
    const squared = Float64Array.from(total.dataSync());
    total.dispose();
    for (let i = 0; i < s.B; i++) squared[i] = squared[i]! + extra[i]!;
    if (!tied) embeddingNorms(taps.embedGrad!.dataSync() as Float32Array, ids, s, dim, squared);
    return { squared, linears: kept, headWithEmbedding, ...(head ? { head } : {}) };
  } catch (e) {
    tf.dispose([...kept.filter((k): k is tf.Tensor2D => k !== undefined), ...(head ? [head] : [])]);
    throw e;
  } finally {
    tf.dispose(parts);
  }
}
