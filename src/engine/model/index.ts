// Public surface of the native llama-architecture model: config and presets, the tfjs model with
// training loss, cached inference and sampling, and the backend switch everybody awaits first.
export * from "./config.ts";
export { initBackend } from "./backend.ts";
export { LlamaModel, KvCache, type GenerateOptions } from "./llama.ts";
export { evaluateLoss, flopsPerToken } from "./evaluate.ts";
export { ropeTable, ropeVector, type RopeTable } from "./rope.ts";
export { measureTrainThroughput, type ThroughputResult } from "./throughput.ts";
export { sampleToken, type SamplingOptions } from "./sampling.ts";
export { Prng } from "./prng.ts";
// Building blocks, for model variants that re-run the forward with hooks (DP per-example clipping).
export { attention } from "./attention.ts";
export { applyRope } from "./rope.ts";
export { crossEntropy, embedding, linear, rmsNorm, swiglu } from "./ops.ts";
