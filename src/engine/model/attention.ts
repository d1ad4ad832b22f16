// Causal grouped-query attention with a hand-written gradient. Batched matmuls on the wasm backend
// take a slow fallback (1.6-1.9 GFLOP/s measured), so the work is split into plain 2-D matmuls,
// one per (sequence, kv head) group, which reach XNNPACK (9-19 GFLOP/s). The g = nHeads/nKvHeads query heads sharing kv head j
// (heads j·g .. j·g+g−1, as ggml broadcasts them) are stacked into one [g·Tq, hd] matrix per group.
// Groups are cut out on the CPU: tf.slice on wasm copies the whole source tensor every call.
import * as tf from "@tensorflow/tfjs";

/** Masked logits: exp underflows to exactly 0, as with llama.cpp's −INFINITY, without inf arithmetic. */
const MASKED = -1e30;

/** [g·Tq, Tk] additive mask: query i (absolute position offset + i) sees keys 0..offset+i. */
function causalMask(g: number, tq: number, tk: number, offset: number): tf.Tensor2D | null {
  if (tq === 1) return null; // a single newest query sees every key
  const m = new Float32Array(g * tq * tk);
  for (let h = 0; h < g; h++) {
    for (let i = 0; i < tq; i++) {
      const row = (h * tq + i) * tk;
      for (let j = offset + i + 1; j < tk; j++) m[row + j] = MASKED;
    }
  }
  return tf.tensor2d(m, [g * tq, tk]);
}

/** Copies each group's block out of a [groups·rows·cols] buffer as its own 2-D tensor. */
function groupTensor(buf: Float32Array, gi: number, rows: number, cols: number): tf.Tensor2D {
  const size = rows * cols;
  return tf.tensor2d(buf.subarray(gi * size, gi * size + size), [rows, cols]);
}

/**
 * softmax(q·kᵀ + causal mask)·v. q [B, Tq, H, hd] must already carry the 1/sqrt(hd) scale;
 * k, v [B, Tk, KvH, hd]; the queries are the last Tq of the Tk positions. Returns [B, Tq, H, hd].
 */
export function attention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  const [B, tq, H, hd] = q.shape;
  const [, tk, kvh] = k.shape;
  const g = H / kvh;
  const groups = B * kvh;
  const m = g * tq;
  const offset = tk - tq;
  const op = tf.customGrad((qi, ki, vi, save) => {
    const qs = qi as tf.Tensor4D;
    const ks = ki as tf.Tensor4D;
    const vs = vi as tf.Tensor4D;
    // [B, H, Tq, hd] is [groups][g·Tq, hd]; kᵀ per group is [hd, Tk]; v per group [Tk, hd].
    const qBuf = tf.transpose(qs, [0, 2, 1, 3]).dataSync() as Float32Array;
    const ktBuf = tf.transpose(ks, [0, 2, 3, 1]).dataSync() as Float32Array;
    const vBuf = tf.transpose(vs, [0, 2, 1, 3]).dataSync() as Float32Array;
    const mask = causalMask(g, tq, tk, offset);
    const out = new Float32Array(groups * m * hd);
    const probs: tf.Tensor2D[] = [];
    for (let gi = 0; gi < groups; gi++) {
      probs.push(tf.tidy((): tf.Tensor2D => {
        let s = tf.matMul(groupTensor(qBuf, gi, m, hd), groupTensor(ktBuf, gi, hd, tk));
        if (mask) s = tf.add(s, mask) as tf.Tensor2D;
        const p = tf.softmax(s) as tf.Tensor2D;
        out.set(tf.matMul(p, groupTensor(vBuf, gi, tk, hd)).dataSync(), gi * m * hd);
        return p;
      }));
    }
    (save as tf.GradSaveFunc)([qs, ks, vs, ...probs]);
    return {
      value: tf.transpose(tf.tensor4d(out, [B, H, tq, hd]), [0, 2, 1, 3]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const ps = saved.slice(3) as tf.Tensor2D[];
        const dO = dy as tf.Tensor4D;
        // Group views: dO [m, hd] and dOᵀ [hd, m]; qᵀ [hd, m]; k [Tk, hd]; vᵀ [hd, Tk].
        const dOBuf = tf.transpose(dO, [0, 2, 1, 3]).dataSync() as Float32Array;
        const dOtBuf = tf.transpose(tf.reshape(dO, [B, tq, kvh, g, hd]), [0, 2, 4, 3, 1]).dataSync() as Float32Array;
        const qtBuf = tf.transpose(tf.reshape(sq, [B, tq, kvh, g, hd]), [0, 2, 4, 3, 1]).dataSync() as Float32Array;
        const kBuf = tf.transpose(sk, [0, 2, 1, 3]).dataSync() as Float32Array;
        const vtBuf = tf.transpose(sv, [0, 2, 3, 1]).dataSync() as Float32Array;
        const dq = new Float32Array(groups * m * hd);
        const dkt = new Float32Array(groups * hd * tk);
        const dvt = new Float32Array(groups * hd * tk);
        for (let gi = 0; gi < groups; gi++) {
          tf.tidy(() => {
            const p = ps[gi]!;
            const dp = tf.matMul(groupTensor(dOBuf, gi, m, hd), groupTensor(vtBuf, gi, hd, tk));
            // softmax backward: dS = P ⊙ (dP − rowsum(dP ⊙ P))
            const ds = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), 1, true)));
            dq.set(tf.matMul(ds, groupTensor(kBuf, gi, tk, hd)).dataSync(), gi * m * hd);
            dkt.set(tf.matMul(groupTensor(qtBuf, gi, hd, m), ds).dataSync(), gi * hd * tk);
            dvt.set(tf.matMul(groupTensor(dOtBuf, gi, hd, m), p).dataSync(), gi * hd * tk);
          });
        }
        return [
          tf.transpose(tf.tensor4d(dq, [B, H, tq, hd]), [0, 2, 1, 3]),
          tf.transpose(tf.tensor4d(dkt, [B, kvh, hd, tk]), [0, 3, 1, 2]),
          tf.transpose(tf.tensor4d(dvt, [B, kvh, hd, tk]), [0, 3, 1, 2]),
        ];
      },
    };
  });
  return op(q, k, v) as tf.Tensor4D;
}
