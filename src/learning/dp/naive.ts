// The naive per-example loop: B separate backward passes through the engine's own LlamaModel.loss,
// each gradient clipped by its global norm and summed. Only the test oracle and the benchmark's
// baseline; training uses clippedGradientSum.
import * as tf from "@tensorflow/tfjs";
import type { LlamaModel } from "../../engine/model/index.ts";
import { globalNorm } from "../../engine/train/index.ts";
import { clipFactor, type ClippedSum } from "./clipped-sum.ts";

export function naiveClippedGradientSum(model: LlamaModel, tokens: Int32Array, B: number, clip: number): ClippedSum {
  const cols = tokens.length / B;
  const names = [...model.params.keys()];
  const vars = [...model.params.values()];
  const sums = new Map<string, tf.Tensor>();
  const norms = new Float64Array(B);
  let lossSum = 0;
  let clipped = 0;
  for (let i = 0; i < B; i++) {
    const row = tf.tensor2d(tokens.subarray(i * cols, (i + 1) * cols), [1, cols], "int32");
    const { value, grads } = tf.variableGrads(() => model.loss(row), vars);
    row.dispose();
    lossSum += value.dataSync()[0]!;
    value.dispose();
    const named = new Map<string, tf.Tensor>(vars.map((v, j) => [names[j]!, grads[v.name]!]));
    const norm = globalNorm(named);
    norms[i] = norm;
    const f = clipFactor(norm, clip);
    if (f < 1) clipped++;
    for (const [name, g] of named) {
      const prev = sums.get(name);
      sums.set(name, tf.tidy(() => (prev ? tf.add(prev, tf.mul(g, f)) : tf.mul(g, f))));
      prev?.dispose();
      g.dispose();
    }
  }
  return { grads: sums, norms, lossSum, clipped };
}
