// A site's local work in a round, on the native engine: load the global weights, train E epochs of
// batch B with AdamW (optionally with FedProx's proximal term), or take one gradient (FedSGD), and
// return the update (local − global) with the example count and the held-out loss before and after.
import * as tf from "@tensorflow/tfjs";
import { LlamaModel, evaluateLoss, initBackend, tensorShapes, type LlamaConfig } from "../../engine/model/index.ts";
import { AdamW, Rng, accumulateGradients, clipByGlobalNorm, packSequences, splitSequences, tokenizeDocuments, type TokenEncoder } from "../../engine/train/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import type { LocalConfig } from "./config.ts";
import { flattenWeights, unflattenWeights } from "./vector.ts";

export interface LocalData {
  train: Int32Array[];
  val: Int32Array[];
}

/** Tokenizes a site's text and packs it into train / held-out sequences of seqLen + 1 tokens. */
export function prepareLocalData(text: string, tokenizer: TokenEncoder, seqLen: number, seed = 1): LocalData {
  const seqs = packSequences(tokenizeDocuments([text], tokenizer), seqLen);
  return splitSequences(seqs, 0.1, seed);
}

export function modelLayout(config: LlamaConfig): [string, number][] {
  return [...tensorShapes(config)].map(([name, shape]) => [name, shape.reduce((a, b) => a * b, 1)]);
}

export interface LocalResult {
  delta: Float32Array;
  examples: number;
  steps: number;
  lossBefore: number;
  lossAfter: number;
}

function batchTensor(seqs: Int32Array[]): tf.Tensor2D {
  const len = seqs[0]!.length;
  const data = new Int32Array(seqs.length * len);
  seqs.forEach((s, i) => data.set(s, i * len));
  return tf.tensor2d(data, [seqs.length, len], "int32");
}

export async function trainLocally(config: LlamaConfig, global: Float32Array, data: LocalData, local: LocalConfig, mode: "train" | "gradient", seed: number): Promise<LocalResult> {
  await initBackend();
  if (data.train.length === 0) throw new InvalidArgumentError("data", "holds no training sequences");
  if (data.train[0]!.length !== local.seqLen + 1) throw new InvalidArgumentError("local.seqLen", `the data was packed for ${data.train[0]!.length - 1} tokens, the round asks for ${local.seqLen}`);
  const layout = modelLayout(config);
  const model = LlamaModel.fromWeights(config, unflattenWeights(global, layout));
  const evalSet = data.val.slice(0, 16);
  try {
    const lossBefore = evaluateLoss(model, evalSet, local.batchSize).loss;
    let steps = 0;
    if (mode === "gradient") {
      // FedSGD: the update is −∇ of one batch; the server scales it by its learning rate.
      const batch = batchTensor(data.train.slice(0, local.batchSize));
      const { grads } = accumulateGradients(model, [batch]);
      batch.dispose();
      clipByGlobalNorm(grads, local.clip);
      const flat = flattenWeights(new Map([...grads].map(([n, g]) => [n, g.dataSync() as Float32Array])), layout.map(([n]) => n));
      tf.dispose([...grads.values()]);
      for (let i = 0; i < flat.length; i++) flat[i] = -flat[i]!;
      return { delta: flat, examples: Math.min(local.batchSize, data.train.length), steps: 1, lossBefore, lossAfter: lossBefore };
    }
    const opt = new AdamW(model.params, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0 });
    const anchors = local.mu > 0 ? new Map([...model.params].map(([n, p]) => [n, tf.clone(p)])) : undefined;
    const rng = Rng.fromSeed(seed);
    const perEpoch = Math.ceil(data.train.length / local.batchSize);
    const maxSteps = Math.min(local.maxSteps ?? Infinity, local.epochs * perEpoch);
    let seen = 0;
    outer: for (let e = 0; e < local.epochs; e++) {
      const order = rng.shuffle(data.train.map((_, i) => i));
      for (let b = 0; b < order.length; b += local.batchSize) {
        if (steps >= maxSteps) break outer;
        const rows = order.slice(b, b + local.batchSize).map((i) => data.train[i]!);
        const batch = batchTensor(rows);
        const { grads } = accumulateGradients(model, [batch]);
        batch.dispose();
        clipByGlobalNorm(grads, local.clip);
        if (anchors) {
          // FedProx (Li et al. 2020, eq. 2): ∇[F_k(w) + μ/2‖w − w_t‖²] = ∇F_k(w) + μ(w − w_t).
          for (const [n, g] of grads) {
            grads.set(n, tf.tidy(() => tf.add(g, tf.mul(tf.sub(model.params.get(n)!, anchors.get(n)!), local.mu))));
            g.dispose();
          }
        }
        opt.apply(grads, local.lr);
        tf.dispose([...grads.values()]);
        steps++;
        seen += rows.length;
      }
    }
    opt.dispose();
    if (anchors) tf.dispose([...anchors.values()]);
    const lossAfter = evaluateLoss(model, evalSet, local.batchSize).loss;
    const after = flattenWeights(model.weights(), layout.map(([n]) => n));
    for (let i = 0; i < after.length; i++) after[i] = after[i]! - global[i]!;
    return { delta: after, examples: Math.min(seen, data.train.length), steps, lossBefore, lossAfter };
  } finally {
    model.dispose();
  }
}

