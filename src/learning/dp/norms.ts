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

/**
 * Per-example ||G_i||² [B] of one linear "layer" with rows x [B·R, d] and output gradients
 * g [B·R, p] (R rows per example). Per-example matmuls are plain 2-D ones cut out on the CPU
 * (XNNPACK; wasm batched matmuls take a slow path), and results stay on the device until one read.
 */
function groupNorms(x: tf.Tensor2D, g: tf.Tensor2D, B: number, mode: NormMode): tf.Tensor1D {
  const d = x.shape[1];
  const p = g.shape[1];
  const R = x.shape[0] / B;
  const ghost = chooseGhost(mode, R, p, d);
  const [xt, gt] = tf.tidy(() => [tf.transpose(tf.reshape(x, [B, R, d]), [0, 2, 1]), tf.transpose(tf.reshape(g, [B, R, p]), [0, 2, 1])]);
  const gtb = gt!.dataSync() as Float32Array;
  const xb = x.dataSync() as Float32Array;
  const xtb = ghost ? (xt!.dataSync() as Float32Array) : undefined;
  const gb = ghost ? (g.dataSync() as Float32Array) : undefined;
  tf.dispose([xt!, gt!]);
  const cut = (buf: Float32Array, i: number, rows: number, cols: number) => tf.tensor2d(buf.subarray(i * rows * cols, (i + 1) * rows * cols), [rows, cols]);
  return tf.tidy(() => {
    const per: tf.Scalar[] = [];
    for (let i = 0; i < B; i++) {
      if (ghost) {
        // ⟨A_i A_iᵀ, G_i G_iᵀ⟩: two [R, R] Gram matrices, never the [p, d] gradient.
        const aa = tf.matMul(cut(xb, i, R, d), cut(xtb!, i, d, R));
        const gg = tf.matMul(cut(gb!, i, R, p), cut(gtb, i, p, R));
        per.push(tf.sum(tf.mul(aa, gg)));
      } else {
        per.push(tf.sum(tf.square(tf.matMul(cut(gtb, i, p, R), cut(xb, i, R, d)))));
      }
    }
    return tf.stack(per) as tf.Tensor1D;
  });
}

/** Per-example row-major stack of two [B·T, w] tensors into [B·2T, w] (example i's rows of a, then of b). */
function interleave(a: tf.Tensor2D, b: tf.Tensor2D, B: number): tf.Tensor2D {
  const w = a.shape[1];
  const T = a.shape[0] / B;
  return tf.reshape(tf.concat([tf.reshape(a, [B, T, w]), tf.reshape(b, [B, T, w])], 1), [B * 2 * T, w]) as tf.Tensor2D;
}

/** Squared per-example gradient norms over all parameters, for the taps of one micro-batch. */
export function perExampleSquaredNorms(taps: Taps, ids: Int32Array, s: Shape, tied: boolean, mode: NormMode = "auto"): Float64Array {
  const parts: tf.Tensor1D[] = [];
  try {
    for (const tap of taps.linears) {
      const g = groupGrad(tap);
      parts.push(groupNorms(tap.x, g, s.B, mode));
      g.dispose();
    }
    parts.push(tf.tidy(() => {
      const per = taps.gains.map((gt) => tf.sum(tf.reshape(tf.mul(gt.n, gt.dy!), [s.B, s.T, gt.n.shape[1]]), 1));
      return tf.sum(tf.square(tf.concat(per, 1)), 1) as tf.Tensor1D;
    }));
    const hg = groupGrad(taps.head);
    const vocab = hg.shape[1];
    if (tied) {
      // The tied matrix's per-example gradient is H_i + E_i = g_iᵀa_i + O_iᵀd_i (O_i: one-hot ids,
      // d_i: embedding output gradients) = [g_i; O_i]ᵀ[a_i; d_i], a linear layer with 2T rows, so
      // the cross term ⟨H_i, E_i⟩ comes out of the same identity.
      const [gx, xx] = tf.tidy(() => {
        const onehot = tf.cast(tf.oneHot(tf.tensor1d(ids, "int32"), vocab), "float32") as tf.Tensor2D;
        return [interleave(hg, onehot, s.B), interleave(taps.head.x, taps.embedGrad!, s.B)];
      });
      parts.push(groupNorms(xx!, gx!, s.B, mode));
      tf.dispose([gx!, xx!]);
    } else {
      parts.push(groupNorms(taps.head.x, hg, s.B, mode));
    }
    hg.dispose();
    const total = tf.tidy(() => tf.addN(parts));
    const out = Float64Array.from(total.dataSync());
    total.dispose();
    if (!tied) {
      const dim = taps.embedGrad!.shape[1];
      embeddingNorms(taps.embedGrad!.dataSync() as Float32Array, ids, s, dim, out);
    }
    return out;
  } finally {
    tf.dispose(parts);
  }
}
