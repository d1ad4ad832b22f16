// Differentially private training for the native engine: per-example clipping from forward taps
// (ghost / direct norms, book-keeping), DP-SGD and DP-AdamW with Poisson sampling, calibrated
// Gaussian noise, dataset budgets, model cards, and the canary exposure test.
export { clipFactor, clippedGradientSum, type ClippedSum } from "./clipped-sum.ts";
export { naiveClippedGradientSum } from "./naive.ts";
export { KEEP_BYTES, perExampleNorms, type NormMode, type PerExampleNorms } from "./norms.ts";
export { batchLogits, hidden, plainHooks, type ForwardHooks } from "./forward.ts";
export { LORA_TARGETS, LoraAdapters } from "./lora.ts";
export { checkDpSettings, planPrivacy, type DpSettings, type PrivacyPlan } from "./privacy.ts";
export { microBatches, poissonSample } from "./sampler.ts";
export { createOptimizer, dpNoisyGradient, Sgd, type DpOptimizerName, type DpStepInput, type DpStepResult } from "./step.ts";
export { loadBase, type BaseModel } from "./base.ts";
export { exportDpGguf, exportDpLoraGguf, MODEL_CARD, writeModelCard, type ModelCard } from "./model-card.ts";
export { trainDp, type DpTrainOptions, type DpTrainResult } from "./train.ts";
export { canaryExposure, randomSecret, type ExposureResult } from "./exposure.ts";
export { runCanaryExperiment, type CanaryExperiment, type CanaryResult } from "./canary.ts";
export { exportLoraGguf, loadLora, LORA_FILE, saveLora, type LoadedLora } from "./lora-gguf.ts";
export { DP_RUN, openResume, type DpCheckpointState, type DpRunRecord, type ResumePoint } from "./resume.ts";
