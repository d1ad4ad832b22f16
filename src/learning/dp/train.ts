// trainDp: differentially private training or fine-tuning of a native-engine model. Data (optionally
// scrubbed by the PII guard) → packed sequences → privacy plan (σ calibrated or steps capped) →
// budget debited from the dataset before any step → Poisson-sampled DP-SGD / DP-AdamW steps →
// checkpoint in the engine's format plus model-card.json.
import { createHash } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, LlmosError } from "../../errors/index.ts";
import { evaluateLoss, initBackend, LlamaModel } from "../../engine/model/index.ts";
import { DataOrder, corpusFingerprint, hasCheckpoint, learningRate, packSequences, readDocuments, saveCheckpoint, splitSequences, tokenizeDocuments, type CheckpointSealer, type ResolvedTrainOptions } from "../../engine/train/index.ts";
import { assertReleaseRng, DpBudgetStore, RandomSource, RdpAccountant, type AccountantName } from "../../privacy/dp/index.ts";
import { scrubFile } from "../../privacy/pii/index.ts";
import { loadBase } from "./base.ts";
import { privacySection, writeModelCard, type ModelCard } from "./model-card.ts";
import type { NormMode } from "./norms.ts";
import { planPrivacy, type PrivacyPlan } from "./privacy.ts";
import { poissonSample } from "./sampler.ts";
import { createOptimizer, dpNoisyGradient, type DpOptimizerName } from "./step.ts";
import { clippedGradientSum } from "./clipped-sum.ts";
import { LORA_TARGETS, LoraAdapters } from "./lora.ts";
import { saveLora } from "./lora-gguf.ts";
import { KEEP_BYTES } from "./norms.ts";

export interface DpTrainOptions {
  /** Seals the checkpoint's tensors at rest (a private checkpoint); also opens a sealed --from base. */
  sealer?: CheckpointSealer;
  data: string[];
  out: string;
  /** Preset or config file for a fresh model (needs `tokenizer`). */
  config?: string;
  /** Fine-tune this model: a checkpoint directory or a llama .gguf. */
  from?: string;
  tokenizer?: string;
  maxSteps?: number;
  /** Expected logical batch size q·N (Poisson sampling makes the realised size vary). */
  batchSize?: number;
  /** Rows per forward/backward; logical batches accumulate over micro-batches. */
  microBatch?: number;
  seqLen?: number;
  lr?: number;
  minLr?: number;
  warmupSteps?: number;
  weightDecay?: number;
  optimizer?: DpOptimizerName;
  seed?: number;
  valFraction?: number;
  evalBatches?: number;
  epsilon?: number;
  delta: number;
  clip: number;
  noiseMultiplier?: number;
  accountant?: AccountantName;
  /** Debit the run's (ε, δ) from this dataset's budget (DP core's DpBudgetStore). */
  dataset?: { db: string; tenant: string; id: string; user: string };
  /** Pass every data file through the PII guard's scrubber first. */
  scrub?: boolean;
  normMode?: NormMode;
  /** Train only LoRA adapters of rank r (α defaults to r); the checkpoint holds the merged weights. */
  lora?: { rank: number; alpha?: number };
  /**
   * Checks the run against the dataset's data-use contract before anything is spent or trained;
   * throws to refuse (the kernel passes ContractStore.enforce for the dataset and caller).
   */
  checkUse?: (use: { purpose: "dp-training"; epsilon: number; delta: number; piiPolicy: "none" | "anonymize"; dataset: string | null }) => void;
  /** FOR TESTS: a seeded source (default: the CSPRNG). */
  rng?: RandomSource;
  onStep?: (s: { step: number; totalSteps: number; loss: number; batchSize: number; epsilon: number }) => void;
}

export interface DpTrainResult {
  steps: number;
  plan: PrivacyPlan;
  /** ε actually spent by the steps run. */
  epsilon: number;
  trainLoss: number | null;
  valLoss: number;
  valPerplexity: number;
  checkpoint: string;
  modelCard: string;
  meanStepMs: number;
}

function checkInt(flag: string, v: number | undefined, min: number): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < min)) throw new InvalidArgumentError(flag, `must be an integer ≥ ${min}, got ${v}`);
}

async function prepareData(o: DpTrainOptions, out: string): Promise<{ files: string[]; sha256: string }> {
  if (!Array.isArray(o.data) || o.data.length === 0) throw new InvalidArgumentError("--data", "give at least one corpus file (.txt or .jsonl)");
  let files = o.data.map((f) => resolve(f));
  if (o.scrub) {
    const dir = join(out, ".scrubbed");
    await mkdir(dir, { recursive: true });
    const scrubbed: string[] = [];
    for (const [i, f] of files.entries()) {
      const dest = join(dir, `${i}-${basename(f)}`);
      await scrubFile(f, dest);
      scrubbed.push(dest);
    }
    files = scrubbed;
  }
  const h = createHash("sha256");
  for (const f of files) h.update(createHash("sha256").update(await readFile(f)).digest());
  return { files, sha256: h.digest("hex") };
}

export async function trainDp(o: DpTrainOptions): Promise<DpTrainResult> {
  try {
    return await run(o);
  } finally {
    // Scrubbed copies of the corpus never outlive the run, whether it succeeded or not.
    if (o.scrub && typeof o.out === "string" && o.out !== "") await rm(join(resolve(o.out), ".scrubbed"), { recursive: true, force: true });
  }
}

async function run(o: DpTrainOptions): Promise<DpTrainResult> {
  checkInt("--max-steps", o.maxSteps, 1);
  checkInt("--batch-size", o.batchSize, 1);
  checkInt("--micro-batch", o.microBatch, 1);
  checkInt("--seq-len", o.seqLen, 2);
  if (typeof o.out !== "string" || o.out === "") throw new InvalidArgumentError("--out", "give an output directory");
  const out = resolve(o.out);
  if (await hasCheckpoint(out)) throw new InvalidArgumentError("--out", `${out} already holds checkpoints; choose another output directory`);
  const rng = o.rng ?? RandomSource.secure();
  assertReleaseRng(rng, o.rng !== undefined);
  const started = performance.now();
  const base = await loadBase(o);
  const { files, sha256 } = await prepareData(o, out);
  const seqLen = o.seqLen ?? Math.min(base.config.contextLength, 128);
  if (seqLen > base.config.contextLength) throw new InvalidArgumentError("--seq-len", `must be ≤ the model's context length ${base.config.contextLength}, got ${seqLen}`);
  const tokens = tokenizeDocuments(await readDocuments(files), base.tokenizer);
  const seed = o.seed ?? 1;
  const split = splitSequences(packSequences(tokens, seqLen), o.valFraction ?? 0.1, seed);
  const n = split.train.length;
  const expected = Math.min(o.batchSize ?? 64, n);
  const q = expected / n;
  const maxSteps = o.maxSteps ?? 100;
  const plan = planPrivacy({ delta: o.delta, clip: o.clip, ...(o.epsilon !== undefined ? { epsilon: o.epsilon } : {}), ...(o.noiseMultiplier !== undefined ? { noiseMultiplier: o.noiseMultiplier } : {}), ...(o.accountant ? { accountant: o.accountant } : {}) }, n, q, maxSteps);

  o.checkUse?.({ purpose: "dp-training", epsilon: plan.epsilon, delta: plan.delta, piiPolicy: o.scrub ? "anonymize" : "none", dataset: o.dataset?.id ?? null });
  // Invariant 2: the spend is debited (atomically) before anything trained on the data exists.
  let budget: ModelCard["dataset"]["budget"] = null;
  if (o.dataset) {
    const store = DpBudgetStore.open(o.dataset.db);
    try {
      const d = store.debit(o.dataset.tenant, o.dataset.id, { epsilon: plan.epsilon, delta: plan.delta }, {
        user: o.dataset.user, mechanism: "dp-sgd", query: { kind: "train", out, steps: plan.steps, noise_multiplier: plan.noiseMultiplier, sampling_rate: q, clip: o.clip },
      });
      budget = { tenant: o.dataset.tenant, id: o.dataset.id, epsilon: plan.epsilon, delta: plan.delta, ledger_seq: d.seq };
    } finally {
      store.close();
    }
  }

  await initBackend();
  const model = base.weights ? LlamaModel.fromWeights(base.config, base.weights) : LlamaModel.create(base.config, { seed });
  const optName = o.optimizer ?? "adamw";
  const lr = o.lr ?? (optName === "sgd" ? 0.5 : 1e-3);
  const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: o.weightDecay ?? 0 };
  const adapters = o.lora ? new LoraAdapters(model, { rank: o.lora.rank, ...(o.lora.alpha !== undefined ? { alpha: o.lora.alpha } : {}), seed }) : undefined;
  const optimizer = createOptimizer(optName, adapters ? adapters.params : model.params, adam);
  const loraStep = adapters ? { params: adapters.params, sum: (m: LlamaModel, t: Int32Array, b: number, c: number) => clippedGradientSum(m, t, b, c, o.normMode ?? "auto", KEEP_BYTES, adapters) } : {};
  const schedule = { lr, minLr: o.minLr ?? lr / 10, warmupSteps: o.warmupSteps ?? 0, maxSteps: plan.steps };
  // A running RDP accountant re-checks each step against the target, so no step can overspend.
  const accountant = new RdpAccountant();
  // About 8K tokens per forward/backward: large enough to batch well, small enough for memory.
  const microBatch = o.microBatch ?? Math.max(1, Math.min(expected, Math.floor(8192 / seqLen)));
  let step = 0;
  let spent = 0;
  let trainLoss: number | null = null;
  let stepMs = 0;
  try {
    while (step < plan.steps) {
      if (plan.accountant === "rdp" && o.epsilon !== undefined) {
        accountant.composePoissonGaussian(plan.noiseMultiplier, q);
        const next = accountant.epsilon(plan.delta).epsilon;
        if (next > o.epsilon + 1e-9) break;
      }
      const t0 = performance.now();
      const batch = poissonSample(n, q, rng);
      const r = dpNoisyGradient({ model, sequences: split.train, batch, microBatch, clip: o.clip, noiseMultiplier: plan.noiseMultiplier, expectedBatch: expected, rng, ...(o.normMode ? { normMode: o.normMode } : {}), ...loraStep });
      optimizer.apply(r.grads, learningRate(step, schedule));
      tf.dispose([...r.grads.values()]);
      stepMs += performance.now() - t0;
      step++;
      if (!Number.isNaN(r.loss)) trainLoss = r.loss;
      if (trainLoss !== null && !Number.isFinite(trainLoss)) throw new LlmosError("training_diverged", 422, `DP training diverged at step ${step}; lower --lr or raise --clip`);
      spent = plan.accountant === "rdp" && o.epsilon !== undefined ? accountant.epsilon(plan.delta).epsilon : NaN;
      o.onStep?.({ step, totalSteps: plan.steps, loss: r.loss, batchSize: r.batchSize, epsilon: spent });
    }
    // ε of the steps actually run, by the chosen accountant (the plan's own number when all ran).
    const epsilon = step === plan.steps ? plan.epsilon : planPrivacy({ delta: plan.delta, clip: plan.clip, noiseMultiplier: plan.noiseMultiplier, accountant: plan.accountant }, n, q, Math.max(1, step)).epsilon;
    const evalBatch = Math.min(16, expected);
    // LoRA: the released model is the base with the adapters merged in.
    const weights = adapters ? adapters.merged(model) : model.weights();
    const released = adapters ? LlamaModel.fromWeights(base.config, weights) : model;
    const ev = evaluateLoss(released, split.val.slice(0, (o.evalBatches ?? 4) * evalBatch), evalBatch);
    if (released !== model) released.dispose();
    const training: ResolvedTrainOptions = {
      data: files, config: base.from ?? o.config ?? "", tokenizer: o.tokenizer ?? null, maxSteps: plan.steps, evalEvery: plan.steps,
      evalBatches: o.evalBatches ?? 4, checkpointEvery: plan.steps, batchSize: expected, seqLen, lr, minLr: schedule.minLr,
      warmupSteps: schedule.warmupSteps, weightDecay: adam.weightDecay, clip: o.clip, gradAccum: 1, seed, valFraction: o.valFraction ?? 0.1,
      beta1: adam.beta1, beta2: adam.beta2, eps: adam.eps,
    };
    const corpus = corpusFingerprint(tokens);
    const checkpoint = await saveCheckpoint(out, {
      model: base.config, training, weights, optimizer: adapters ? new Map() : optimizer.stateArrays(), tokenizer: base.tokenizer,
      state: { step, tokensSeen: 0, dataOrder: DataOrder.start(n, seed).state(), lastTrainLoss: trainLoss, lastValLoss: ev.loss, corpus },
    }, o.sealer);
    const card: ModelCard = {
      format: "llmos-model-card/1", created: new Date().toISOString(), architecture: "llama", base: base.from,
      privacy: privacySection(plan, step, epsilon, seqLen, o.epsilon),
      dataset: { sha256, files: o.data.map((f) => basename(f)), tokens: corpus.tokens, sequences: n, scrubbed: o.scrub ?? false, budget },
      training: { optimizer: optName, lr, lora: adapters ? { rank: adapters.rank, alpha: adapters.alpha, targets: [...LORA_TARGETS], merged: true } : null, expected_batch_size: expected, micro_batch: microBatch, seq_len: seqLen, val_loss: ev.loss, val_perplexity: ev.perplexity,
        val_note: "validation loss of held-out sequences, outside the DP guarantee (they were not trained on; their loss is released as is)", seconds: (performance.now() - started) / 1000 },
    };
    if (adapters) await saveLora(checkpoint, adapters);
    const modelCard = await writeModelCard(checkpoint, card);
    await writeModelCard(out, card);
    return { steps: step, plan, epsilon, trainLoss, valLoss: ev.loss, valPerplexity: ev.perplexity, checkpoint, modelCard, meanStepMs: step ? stepMs / step : 0 };
  } finally {
    optimizer.dispose();
    adapters?.dispose();
    model.dispose();
  }
}
