// Differentiable building blocks with hand-written gradients. On the wasm backend only plain
// (non-transposed) 2-D matmuls reach XNNPACK; transposed or batched ones take a slow fallback (~1-2
// GFLOP/s versus ~24), and tf.gather has no gradient kernel. So every matmul here, forward and
// backward, is arranged as a plain A·B with explicit transposes of the smaller operand.
import * as tf from "@tensorflow/tfjs";

type Saved = tf.Tensor[];

/** y = x·Wᵀ for x [N, in] and W [out, in] (a GGUF/PyTorch-layout linear weight). */
export const linear = tf.customGrad((x, w, save) => {
  const xs = x as tf.Tensor2D;
  const ws = w as tf.Tensor2D;
  (save as tf.GradSaveFunc)([xs, ws]);
  const [rows, inp] = xs.shape;
  const out = ws.shape[0];
  // Transposing W costs ~5 ns per weight; for few rows (decoding) W·xᵀ with small transposes of x
  // and y is far cheaper (a [4096, 192] head: 0.7 ms instead of 10 ms per token).
  const y = rows * (inp + out) < inp * out
    ? tf.transpose(tf.matMul(ws, rows === 1 ? tf.reshape(xs, [inp, 1]) : tf.transpose(xs)))
    : tf.matMul(xs, tf.transpose(ws));
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: Saved) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      const dx = tf.matMul(g, sw);
      const [out, inp] = sw.shape;
      // dW = dyᵀ·x needs one tall [N, k] operand transposed (~4-6 ns per element). For out ≤ in
      // transpose dy; for moderately wider outputs (the SwiGLU up/gate) transpose x and the small
      // result instead; for much wider ones (a vocabulary head) XNNPACK runs [in, N]·[N, out] at
      // half speed, and transposing dy is cheaper (measured on 2048 tokens, dim 192, vocab 4096).
      const dw = out <= inp || out >= 8 * inp
        ? tf.matMul(tf.transpose(g), sx)
        : tf.transpose(tf.matMul(tf.transpose(sx), g));
      return [dx, dw];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/** Row gather on the CPU: the wasm Gather kernel takes ~10 µs per row, a JS copy ~0.5 µs plus one read of the table. */
function copyRows(table: tf.Tensor2D, ids: Int32Array): tf.Tensor2D {
  const dim = table.shape[1];
  const src = table.dataSync() as Float32Array;
  const out = new Float32Array(ids.length * dim);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    out.set(src.subarray(id * dim, id * dim + dim), i * dim);
  }
  return tf.tensor2d(out, [ids.length, dim]);
}

/**
 * Rows ids of the table w [vocab, dim] -> [ids.length, dim] (tf.gather for a few ids, else a CPU
 * copy). tf.gather has no gradient kernel on wasm, so the backward scatter-adds the output
 * gradient into a zero [vocab, dim] gradient with tf.scatterND, which sums rows whose ids repeat
 * (0.5 ms for 2048 rows of 192 into 4096, cheaper than a CPU loop plus upload).
 */
export function embedding(w: tf.Tensor2D, ids: Int32Array): tf.Tensor2D {
  const [vocab, dim] = w.shape;
  const n = ids.length;
  const op = tf.customGrad((table) => {
    const t = table as tf.Tensor2D;
    return {
      value: n <= 16 ? tf.gather(t, tf.tensor1d(ids, "int32")) : copyRows(t, ids),
      gradFunc: (dy: tf.Tensor) => tf.scatterND(tf.tensor2d(ids, [n, 1], "int32"), dy, [vocab, dim]),
    };
  });
  return op(w) as tf.Tensor2D;
}

/**
 * Mean next-token cross-entropy of logits [N, vocab] against targets. log-sum-exp is taken as
 * max − log(max softmax), which never underflows (max softmax ≥ 1/vocab) and uses the fused
 * softmax kernel (tf.exp is scalar and ~5x slower on wasm). Gradient: (softmax − onehot)/N.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: Int32Array): tf.Scalar {
  const [n, vocab] = logits.shape;
  const op = tf.customGrad((x, save) => {
    const xs = x as tf.Tensor2D;
    const p = tf.softmax(xs);
    (save as tf.GradSaveFunc)([p]);
    const flat = new Int32Array(n);
    for (let i = 0; i < n; i++) flat[i] = i * vocab + targets[i]!;
    const picked = tf.gather(tf.reshape(xs, [n * vocab]), tf.tensor1d(flat, "int32"));
    const lse = tf.sub(tf.max(xs, 1), tf.log(tf.max(p, 1)));
    return {
      value: tf.mean(tf.sub(lse, picked)),
      gradFunc: (dy: tf.Tensor, saved: Saved) => {
        // int32 then cast: the wasm OneHot kernel writes zeros when asked for float32 directly.
        const onehot = tf.cast(tf.oneHot(tf.tensor1d(targets, "int32"), vocab), "float32");
        return tf.mul(tf.sub(saved[0]!, onehot), tf.div(dy, n));
      },
    };
  });
  return op(logits) as tf.Scalar;
}

/** RMSNorm as ggml_rms_norm then a gain: x / sqrt(mean(x²) + eps) · w, over the last axis. */
export function rmsNorm(x: tf.Tensor2D, w: tf.Tensor1D, eps: number): tf.Tensor2D {
  const ms = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), w);
}

/** SwiGLU's gate: silu(g) · u = g·sigmoid(g)·u. */
export const swiglu = tf.customGrad((g, u, save) => {
  const gs = g as tf.Tensor2D;
  const us = u as tf.Tensor2D;
  const s = tf.sigmoid(gs);
  (save as tf.GradSaveFunc)([gs, us, s]);
  return {
    value: tf.mul(tf.mul(gs, s), us),
    gradFunc: (dy: tf.Tensor, saved: Saved) => {
      const [sg, su, ss] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const silu = tf.mul(sg, ss);
      // d silu/dg = s + g·s·(1 − s) = s·(1 + g·(1 − s))
      const dsilu = tf.mul(ss, tf.add(1, tf.mul(sg, tf.sub(1, ss))));
      return [tf.mul(tf.mul(dy, su), dsilu), tf.mul(dy, silu)];
    },
  };
}) as (g: tf.Tensor2D, u: tf.Tensor2D) => tf.Tensor2D;
