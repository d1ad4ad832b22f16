import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/model/index.ts";
await initBackend();
function time(name: string, f: () => tf.Tensor, reps = 5) {
  f().dispose();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) { const r = f(); r.dataSync(); r.dispose(); }
  console.log(name, ((performance.now() - t0) / reps).toFixed(2), "ms");
}
const B = 64, T = 64;
for (const [p, d] of [[64, 64], [128, 64], [64, 128], [512, 64]]) {
  const g = tf.randomNormal([B, T, p]); const a = tf.randomNormal([B, T, d]);
  const g2 = tf.reshape(g, [B * T, p]); const a2 = tf.reshape(a, [B * T, d]);
  time(`dw 2D p${p} d${d}`, () => tf.matMul(tf.transpose(g2), a2));
  time(`batched direct p${p} d${d}`, () => tf.sum(tf.square(tf.matMul(g, a, true, false)), [1, 2]));
  time(`batched direct (explicit T) p${p} d${d}`, () => tf.sum(tf.square(tf.matMul(tf.transpose(g, [0, 2, 1]), a)), [1, 2]));
  time(`batched ghost p${p} d${d}`, () => tf.sum(tf.mul(tf.matMul(a, a, false, true), tf.matMul(g, g, false, true)), [1, 2]));
  const gb = g.dataSync() as Float32Array, ab = a.dataSync() as Float32Array;
  time(`loop direct p${p} d${d}`, () => {
    const outs: tf.Tensor[] = [];
    for (let i = 0; i < B; i++) {
      const gi = tf.tensor2d(gb.subarray(i * T * p, (i + 1) * T * p), [T, p]);
      const ai = tf.tensor2d(ab.subarray(i * T * d, (i + 1) * T * d), [T, d]);
      outs.push(tf.sum(tf.square(tf.matMul(tf.transpose(gi), ai))));
      gi.dispose(); ai.dispose();
    }
    return tf.stack(outs);
  });
}
