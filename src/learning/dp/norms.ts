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

function sumSquares(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return s;
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

/** ||E_i||² for the embedding alone (untied models, or the tied case's own term). */
function embeddingNorms(d: Float32Array, ids: Int32Array, s: Shape, dim: number, out: Float64Array): void {
  for (let i = 0; i < s.B; i++) {
    const { rows } = embeddingRows(d, ids, i, s.T, dim);
    let n = 0;
    for (let k = 0; k < rows.length; k++) n += rows[k]! * rows[k]!;
    out[i] = out[i]! + n;
  }
}

function chooseGhost(mode: NormMode, T: number, p: number, d: number, extra = 0): boolean {
  if (mode !== "auto") return mode === "ghost";
  return T * T * (p + d) + extra < T * p * d;
}

/** Adds ||G_i||² of one linear group to out by the direct identity; `onExample` sees each G_i [p, d]. */
function directGroup(x: tf.Tensor2D, g: tf.Tensor2D, s: Shape, out: Float64Array, onExample?: (i: number, gi: Float32Array) => void): void {
  const d = x.shape[1];
  const p = g.shape[1];
  const { B, T } = s;
  const xb = x.dataSync() as Float32Array;
  const gt = tf.tidy(() => tf.transpose(tf.reshape(g, [B, T, p]), [0, 2, 1]));
  const gtb = gt.dataSync() as Float32Array;
  gt.dispose();
  for (let i = 0; i < B; i++) {
    const gi = tf.tidy(() => tf.matMul(tf.tensor2d(gtb.subarray(i * p * T, (i + 1) * p * T), [p, T]), tf.tensor2d(xb.subarray(i * T * d, (i + 1) * T * d), [T, d])));
    const buf = gi.dataSync() as Float32Array;
    gi.dispose();
    out[i] = out[i]! + sumSquares(buf);
    onExample?.(i, buf);
  }
}

/** Adds ⟨A_i A_iᵀ, G_i G_iᵀ⟩ of one linear group to out (never forms G_i). */
function ghostGroup(x: tf.Tensor2D, g: tf.Tensor2D, s: Shape, out: Float64Array): void {
  const d = x.shape[1];
  const p = g.shape[1];
  const { B, T } = s;
  const xb = x.dataSync() as Float32Array;
  const gb = g.dataSync() as Float32Array;
  const [xt, gt] = tf.tidy(() => [tf.transpose(tf.reshape(x, [B, T, d]), [0, 2, 1]), tf.transpose(tf.reshape(g, [B, T, p]), [0, 2, 1])]);
  const xtb = xt!.dataSync() as Float32Array;
  const gtb = gt!.dataSync() as Float32Array;
  tf.dispose([xt!, gt!]);
  for (let i = 0; i < B; i++) {
    const v = tf.tidy(() => {
      const aa = tf.matMul(tf.tensor2d(xb.subarray(i * T * d, (i + 1) * T * d), [T, d]), tf.tensor2d(xtb.subarray(i * d * T, (i + 1) * d * T), [d, T]));
      const gg = tf.matMul(tf.tensor2d(gb.subarray(i * T * p, (i + 1) * T * p), [T, p]), tf.tensor2d(gtb.subarray(i * p * T, (i + 1) * p * T), [p, T]));
      return tf.sum(tf.mul(aa, gg));
    });
    out[i] = out[i]! + v.dataSync()[0]!;
    v.dispose();
  }
}

/**
 * ⟨E_i, H_i⟩ for a tied embedding/head, E_i = Σ_t e_{id_t} d_tᵀ and H_i = Σ_s g_s a_sᵀ:
 * Σ_t Σ_s g_s[id_t]·(d_t·a_s), at T²·dim per example, never forming either [vocab, dim] gradient.
 */
function tiedCross(d: Float32Array, a: Float32Array, g: Float32Array, ids: Int32Array, s: Shape, dim: number, vocab: number, out: Float64Array): void {
  const { B, T } = s;
  for (let i = 0; i < B; i++) {
    const { ids: uniq, rows } = embeddingRows(d, ids, i, T, dim);
    let cross = 0;
    for (let u = 0; u < uniq.length; u++) {
      const v = uniq[u]!;
      for (let t = 0; t < T; t++) {
        const row = i * T + t;
        const gv = g[row * vocab + v]!;
        if (gv === 0) continue;
        let dot = 0;
        for (let k = 0; k < dim; k++) dot += a[row * dim + k]! * rows[u * dim + k]!;
        cross += gv * dot;
      }
    }
    out[i] = out[i]! + 2 * cross;
  }
}

/** Squared per-example gradient norms over all parameters, for the taps of one micro-batch. */
export function perExampleSquaredNorms(taps: Taps, ids: Int32Array, s: Shape, tied: boolean, mode: NormMode = "auto"): Float64Array {
  const out = new Float64Array(s.B);
  for (const tap of taps.linears) {
    const g = groupGrad(tap);
    if (chooseGhost(mode, s.T, g.shape[1], tap.x.shape[1])) ghostGroup(tap.x, g, s, out);
    else directGroup(tap.x, g, s, out);
    g.dispose();
  }
  const gains = tf.tidy(() => {
    const per = taps.gains.map((gt) => tf.sum(tf.reshape(tf.mul(gt.n, gt.dy!), [s.B, s.T, gt.n.shape[1]]), 1));
    return tf.sum(tf.square(tf.concat(per, 1)), 1);
  });
  const gn = gains.dataSync();
  gains.dispose();
  for (let i = 0; i < s.B; i++) out[i] = out[i]! + gn[i]!;

  const dim = taps.embedGrad!.shape[1];
  const d = taps.embedGrad!.dataSync() as Float32Array;
  embeddingNorms(d, ids, s, dim, out);
  const head = taps.head;
  const hg = groupGrad(head);
  const vocab = hg.shape[1];
  if (!tied) {
    if (chooseGhost(mode, s.T, vocab, dim)) ghostGroup(head.x, hg, s, out);
    else directGroup(head.x, hg, s, out);
  } else if (chooseGhost(mode, s.T, vocab, dim, s.T * s.T * dim)) {
    ghostGroup(head.x, hg, s, out);
    tiedCross(d, head.x.dataSync() as Float32Array, hg.dataSync() as Float32Array, ids, s, dim, vocab, out);
  } else {
    // Direct: H_i is formed anyway, so the cross term reads its rows at the example's ids.
    directGroup(head.x, hg, s, out, (i, h) => {
      const { ids: uniq, rows } = embeddingRows(d, ids, i, s.T, dim);
      let cross = 0;
      for (let u = 0; u < uniq.length; u++) {
        const base = uniq[u]! * dim;
        for (let k = 0; k < dim; k++) cross += h[base + k]! * rows[u * dim + k]!;
      }
      out[i] = out[i]! + 2 * cross;
    });
  }
  hg.dispose();
  return out;
}
