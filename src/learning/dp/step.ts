// One DP-SGD / DP-AdamW step (Abadi et al. 2016, Alg. 1): a Poisson-sampled logical batch, cut into
// micro-batches whose clipped gradient sums accumulate, plus Gaussian noise N(0, σ²C²) per
// coordinate from the DP core's CSPRNG sampler, divided by the expected batch size q·N (Opacus'
// "mean" reduction; dividing by the realised size would leak it). The optimizer then only
// post-processes the noisy gradient.
import * as tf from "@tensorflow/tfjs";
import type { LlamaModel } from "../../engine/model/index.ts";
import { AdamW, type AdamWOptions } from "../../engine/train/index.ts";
import { gaussianNoiseFloat32, type RandomSource } from "../../privacy/dp/index.ts";
import { clippedGradientSum, type ClippedSum } from "./clipped-sum.ts";
import type { NormMode } from "./norms.ts";
import { microBatches } from "./sampler.ts";

/** Plain SGD: p ← p − lr·g. */
export class Sgd {
  constructor(private readonly params: Map<string, tf.Variable>) {}
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    for (const [name, p] of this.params) tf.tidy(() => p.assign(tf.sub(p, tf.mul(grads.get(name)!, lr))));
  }
  stateArrays(): Map<string, { shape: number[]; data: Float32Array }> {
    return new Map();
  }
  dispose(): void {}
}

export type DpOptimizerName = "adamw" | "sgd";
export type DpOptimizer = AdamW | Sgd;

export function createOptimizer(name: DpOptimizerName, params: Map<string, tf.Variable>, adam: AdamWOptions): DpOptimizer {
  return name === "sgd" ? new Sgd(params) : new AdamW(params, adam);
}

export interface DpStepInput {
  model: LlamaModel;
  /** Training sequences, each T+1 tokens. */
  sequences: Int32Array[];
  /** The sampled logical batch (indices into sequences); may be empty. */
  batch: number[];
  microBatch: number;
  clip: number;
  noiseMultiplier: number;
  /** q·N: the divisor of the noisy sum. */
  expectedBatch: number;
  rng: RandomSource;
  normMode?: NormMode;
  /** The trained parameters (default: all of the model's; LoRA: the adapters). */
  params?: Map<string, tf.Variable>;
  /** A custom clipped-sum (the naive loop in the benchmark, LoRA adapters). */
  sum?: (model: LlamaModel, tokens: Int32Array, B: number, clip: number) => ClippedSum;
}

export interface DpStepResult {
  grads: Map<string, tf.Tensor>;
  /** Mean per-example loss over the realised batch (NaN when empty). */
  loss: number;
  batchSize: number;
  clipped: number;
}

function rows(seqs: Int32Array[], idx: number[]): Int32Array {
  const w = seqs[0]!.length;
  const out = new Int32Array(idx.length * w);
  idx.forEach((s, r) => out.set(seqs[s]!, r * w));
  return out;
}

/** The noisy mean gradient of one logical batch. */
export function dpNoisyGradient(x: DpStepInput): DpStepResult {
  const sums = new Map<string, tf.Tensor>();
  let lossSum = 0;
  let clipped = 0;
  const sumFn = x.sum ?? ((m, t, b, c) => clippedGradientSum(m, t, b, c, x.normMode));
  for (const mb of microBatches(x.batch, x.microBatch)) {
    const r = sumFn(x.model, rows(x.sequences, mb), mb.length, x.clip);
    lossSum += r.lossSum;
    clipped += r.clipped;
    for (const [name, g] of r.grads) {
      const prev = sums.get(name);
      if (prev) {
        sums.set(name, tf.add(prev, g));
        tf.dispose([prev, g]);
      } else {
        sums.set(name, g);
      }
    }
  }
  const grads = new Map<string, tf.Tensor>();
  const std = x.noiseMultiplier * x.clip;
  for (const [name, p] of x.params ?? x.model.params) {
    const s = sums.get(name);
    const buf = s ? new Float32Array(s.dataSync() as Float32Array) : new Float32Array(p.size);
    s?.dispose();
    gaussianNoiseFloat32(x.rng, buf, std);
    const inv = 1 / x.expectedBatch;
    for (let i = 0; i < buf.length; i++) buf[i] = buf[i]! * inv;
    grads.set(name, tf.tensor(buf, p.shape, "float32"));
  }
  return { grads, loss: x.batch.length ? lossSum / x.batch.length : NaN, batchSize: x.batch.length, clipped };
}
