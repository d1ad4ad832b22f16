// Public surface of the native engine's trainer: train(), checkpoints, and the pieces tests and
// other subsystems (DP-SGD, federated learning) reuse.
export { train } from "./trainer.ts";
export type { TrainOptions, ResolvedTrainOptions, TrainingHyperParams } from "./options.ts";
export type { TrainProgress, EvalResult, CheckpointEvent, TrainResult, TrainHooks } from "./events.ts";
export { isSealedCheckpoint, readTensors, SEALED, writeTensors, type CheckpointSealer } from "./checkpoint.ts";
export { loadCheckpoint, loadOptimizerState, saveCheckpoint, hasCheckpoint, resolveCheckpointDir, stepDirName, type LoadedCheckpoint, type TrainState } from "./checkpoint.ts";
export { progressReporter, formatProgress, type ProgressReporter } from "./progress.ts";
export { AdamW, type AdamWOptions } from "./optimizer.ts";
export { accumulateGradients, clipByGlobalNorm, globalNorm, type TrainableModel } from "./gradients.ts";
export { learningRate, type LrSchedule } from "./schedule.ts";
export { readDocuments, tokenizeDocuments, packSequences, splitSequences, DataOrder, corpusFingerprint, type TokenEncoder } from "./data.ts";
export { Rng, type RngState } from "./rng.ts";
