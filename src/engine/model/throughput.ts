// Measures forward+backward training throughput of a config on random tokens (no optimizer
// update), for benchmarks and for choosing a preset that trains fast enough on this machine.
import * as tf from "@tensorflow/tfjs";
import type { LlamaConfig } from "./config.ts";
import { flopsPerToken } from "./evaluate.ts";
import { LlamaModel } from "./llama.ts";
import { Prng } from "./prng.ts";

export interface ThroughputResult {
  batchSize: number;
  seqLen: number;
  msPerStep: number;
  tokensPerSecond: number;
  gflopsPerSecond: number;
}

export function measureTrainThroughput(config: LlamaConfig, opts: { batchSize: number; seqLen?: number; steps?: number; warmup?: number }): ThroughputResult {
  const B = opts.batchSize;
  const T = opts.seqLen ?? config.contextLength;
  const steps = opts.steps ?? 3;
  const model = LlamaModel.create(config, { seed: 1 });
  const rng = new Prng(2);
  const batch = tf.tensor2d(Int32Array.from({ length: B * (T + 1) }, () => rng.nextUint32() % config.vocabSize), [B, T + 1], "int32");
  const vars = [...model.params.values()];
  const step = (): void => {
    const { value, grads } = tf.variableGrads(() => model.loss(batch), vars);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  try {
    for (let i = 0; i < (opts.warmup ?? 1); i++) step();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    const msPerStep = (performance.now() - t0) / steps;
    const tokensPerSecond = (B * T) / (msPerStep / 1000);
    return { batchSize: B, seqLen: T, msPerStep, tokensPerSecond, gflopsPerSecond: (tokensPerSecond * flopsPerToken(config, T)) / 1e9 };
  } finally {
    batch.dispose();
    model.dispose();
  }
}
