// The naive per-example loop: B separate backward passes through the engine's own LlamaModel.loss,
// each gradient clipped by its global norm and summed. Only the test oracle and the benchmark's
// baseline; training uses clippedGradientSum.
import * as tf from "@tensorflow/tfjs";
import type { LlamaModel } from "../../engine/model/index.ts";
import { globalNorm } from "../../engine/train/index.ts";
import { crossEntropy, embedding } from "../../engine/model/index.ts";
import { clipFactor, type ClippedSum } from "./clipped-sum.ts";
import { hidden, shiftTokens } from "./forward.ts";
import type { LoraAdapters } from "./lora.ts";

/** Mean next-token loss of one row [1, T+1] through the adapted model, differentiable in the adapters. */
function adapterLoss(model: LlamaModel, adapters: LoraAdapters, row: tf.Tensor2D): tf.Scalar {
  const cols = row.shape[1];
  const { inputs, targets } = shiftTokens(row.dataSync() as Int32Array, 1, cols);
  const head = model.params.get(model.config.tieEmbeddings ? "token_embd.weight" : "output.weight")! as tf.Tensor2D;
  const x0 = embedding(model.params.get("token_embd.weight")! as tf.Tensor2D, inputs);
  return crossEntropy(tf.matMul(hidden(model, adapters.plainHooks(model), x0, 1, cols - 1), head, false, true), targets);
}

/** `adapters`: clip and sum only the LoRA adapters' gradients, through their plain forward. */
export function naiveClippedGradientSum(model: LlamaModel, tokens: Int32Array, B: number, clip: number, adapters?: LoraAdapters): ClippedSum {
  const cols = tokens.length / B;
  const trained = adapters ? adapters.params : model.params;
  const names = [...trained.keys()];
  const vars = [...trained.values()];
  const loss = adapters ? (row: tf.Tensor2D) => adapterLoss(model, adapters, row) : (row: tf.Tensor2D) => model.loss(row);
  const sums = new Map<string, tf.Tensor>();
  const norms = new Float64Array(B);
  let lossSum = 0;
  let clipped = 0;
  for (let i = 0; i < B; i++) {
    const row = tf.tensor2d(tokens.subarray(i * cols, (i + 1) * cols), [1, cols], "int32");
    const { value, grads } = tf.variableGrads(() => loss(row), vars);
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
