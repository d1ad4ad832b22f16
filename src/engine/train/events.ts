// The shapes a training run reports while it runs and when it ends.

export interface TrainProgress {
  /** Optimizer steps completed (1-based after the first step). */
  step: number;
  totalSteps: number;
  /** Mean training loss of this step's batch. */
  loss: number;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Tokens trained on since the run began (across resumes). */
  tokens: number;
  /** Training throughput of this process so far. */
  tokensPerSecond: number;
  elapsedSeconds: number;
  etaSeconds: number;
}

export interface EvalResult {
  step: number;
  valLoss: number;
  valPerplexity: number;
  /** With the `samples` option: held-out text and the model's greedy continuation of it. */
  prompt?: string;
  sample?: string;
}

export interface CheckpointEvent {
  step: number;
  dir: string;
}

export interface TrainResult {
  /** Steps completed in total (including those before a resume). */
  steps: number;
  /** Tokens trained on in total. */
  tokens: number;
  trainLoss: number | null;
  valLoss: number | null;
  valPerplexity: number | null;
  /** Throughput of this process's training steps. */
  tokensPerSecond: number;
  /** Wall time of this call, data loading included. */
  elapsedSeconds: number;
  /** The last checkpoint written or resumed from. */
  checkpoint: string | null;
  /** Step the run resumed from, or null for a fresh run. */
  resumedFrom: number | null;
}

export interface TrainHooks {
  onProgress?(p: TrainProgress): void;
  onEval?(e: EvalResult): void;
  onCheckpoint?(dir: string, step: number): void;
}
