// trainDp: differentially private training or fine-tuning of a native-engine model. Data (optionally
// scrubbed by the PII guard) → packed sequences → privacy plan (σ calibrated or steps capped) →
// budget debited from the dataset before any step → Poisson-sampled DP-SGD / DP-AdamW steps →
// atomic checkpoints in the engine's format (resumable after a crash, see resume.ts) plus model-card.json.
import { createHash } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, LlmosError } from "../../errors/index.ts";
import { evaluateLoss, initBackend, LlamaModel } from "../../engine/model/index.ts";
import { DataOrder, corpusFingerprint, learningRate, packSequences, readDocuments, saveCheckpoint, splitSequences, tokenizeDocuments, type CheckpointSealer, type ResolvedTrainOptions } from "../../engine/train/index.ts";
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
import { checkSameRun, DP_RUN, hasRun, mergeResumeOptions, newRunRecord, openResume, pinnedSettings, restore, resumeBudget, sameNumber, writeRunRecord, type BudgetRecord, type DpCheckpointState, type DpRunRecord, type ResumePoint } from "./resume.ts";

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
  /** Required for a fresh run; a resumed run takes it from the run it continues. */
  delta?: number;
  clip?: number;
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
  /** Checkpoint every N steps (and after the last); default 50. */
  checkpointEvery?: number;
  /** Continue the DP run in `out` from its latest checkpoint (or from the start, without a new debit). */
  resume?: boolean;
  /** FOR TESTS: a seeded source (default: the CSPRNG). */
  rng?: RandomSource;
  /** FOR TESTS: a seeded source per step (1-based), so a resumed run can be compared bit for bit. */
  stepRng?: (step: number) => RandomSource;
  onCheckpoint?: (c: { step: number; dir: string; epsilon: number }) => void;
  /**
   * Progress only. The loss and the size of each Poisson batch are functions of the private data
   * that the DP guarantee does not cover (only the noised gradients are privatized; Abadi et al.
   * 2016, §3.1), so neither leaves the trainer: not here, not in the result, not in checkpoints.
   */
  onStep?: (s: { step: number; totalSteps: number; epsilon: number }) => void;
}

export interface DpTrainResult {
  steps: number;
  plan: PrivacyPlan;
  /** ε actually spent by the steps run. */
  epsilon: number;
  valLoss: number;
  valPerplexity: number;
  checkpoint: string;
  modelCard: string;
  meanStepMs: number;
  /** The checkpoint step a resumed run continued from (0: before the first checkpoint); null for a fresh run. */
  resumedFrom: number | null;
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

function debit(o: DpTrainOptions & { dataset: NonNullable<DpTrainOptions["dataset"]> }, record: DpRunRecord, out: string, q: number): BudgetRecord {
  const { plan } = record;
  const store = DpBudgetStore.open(o.dataset.db);
  try {
    const d = store.debit(o.dataset.tenant, o.dataset.id, { epsilon: plan.epsilon, delta: plan.delta }, {
      user: o.dataset.user, mechanism: "dp-sgd", query: { kind: "train", out, run: record.run, steps: plan.steps, noise_multiplier: plan.noiseMultiplier, sampling_rate: q, clip: plan.clip },
    });
    return { tenant: o.dataset.tenant, id: o.dataset.id, epsilon: plan.epsilon, delta: plan.delta, ledger_seq: d.seq };
  } finally {
    store.close();
  }
}

async function run(given: DpTrainOptions): Promise<DpTrainResult> {
  checkInt("--max-steps", given.maxSteps, 1);
  checkInt("--batch-size", given.batchSize, 1);
  checkInt("--micro-batch", given.microBatch, 1);
  checkInt("--seq-len", given.seqLen, 2);
  checkInt("--checkpoint-every", given.checkpointEvery, 1);
  if (typeof given.out !== "string" || given.out === "") throw new InvalidArgumentError("--out", "give an output directory");
  const out = resolve(given.out);
  let resume: ResumePoint | undefined;
  if (given.resume) {
    resume = await openResume(out, given.sealer);
  } else if (await hasRun(out)) {
    throw new InvalidArgumentError("--out", `${out} already holds a DP run or checkpoints; pass --resume to continue it or choose another output directory`);
  }
  const o = resume ? mergeResumeOptions(resume.record, given) : given;
  if (o.delta === undefined) throw new InvalidArgumentError("--delta", "is required for DP training");
  if (o.clip === undefined) throw new InvalidArgumentError("--clip", "is required for DP training");
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
  if (resume) checkSameRun(resume.record, sha256, n, plan);
  const ck = resume?.checkpoint ?? null;
  if (ck && JSON.stringify(ck.config) !== JSON.stringify(base.config)) throw new LlmosError("dp_resume_mismatch", 409, "the checkpoint's model configuration differs from the base of the DP run being resumed", { data: { field: "config" } });

  o.checkUse?.({ purpose: "dp-training", epsilon: plan.epsilon, delta: plan.delta, piiPolicy: o.scrub ? "anonymize" : "none", dataset: o.dataset?.id ?? null });
  // Invariant 2: the spend is debited (atomically) before anything trained on the data exists. The run
  // record is written first (budget "pending"), so a crash on either side of the debit is resumable
  // without a second debit: the ledger entry carries the run id.
  const record: DpRunRecord = resume?.record ?? newRunRecord({ settings: pinnedSettings(o), dataset: o.dataset ? { tenant: o.dataset.tenant, id: o.dataset.id } : null, data_sha256: sha256, sequences: n, plan });
  if (!resume) {
    await mkdir(out, { recursive: true });
    await writeRunRecord(out, record);
  } else {
    record.budget = resumeBudget(record, o.dataset?.db);
  }
  if (record.budget === "pending") {
    try {
      record.budget = debit(o as DpTrainOptions & { dataset: NonNullable<DpTrainOptions["dataset"]> }, record, out, q);
    } catch (e) {
      // The debit is one transaction: refused means nothing was spent, so a fresh run leaves no record behind.
      if (!resume) await rm(join(out, DP_RUN), { force: true });
      throw e;
    }
    await writeRunRecord(out, record);
  }
  const budget: ModelCard["dataset"]["budget"] = record.budget;

  await initBackend();
  // LoRA trains adapters over a frozen base, so a resumed LoRA run rebuilds the base and restores the adapters.
  const model = ck && !o.lora ? LlamaModel.fromWeights(base.config, ck.weights) : base.weights ? LlamaModel.fromWeights(base.config, base.weights) : LlamaModel.create(base.config, { seed });
  const optName = o.optimizer ?? "adamw";
  const lr = o.lr ?? (optName === "sgd" ? 0.5 : 1e-3);
  const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: o.weightDecay ?? 0 };
  const adapters = o.lora ? new LoraAdapters(model, { rank: o.lora.rank, ...(o.lora.alpha !== undefined ? { alpha: o.lora.alpha } : {}), seed }) : undefined;
  const trained = adapters ? adapters.params : model.params;
  const optimizer = createOptimizer(optName, trained, adam);
  const loraStep = adapters ? { params: adapters.params, sum: (m: LlamaModel, t: Int32Array, b: number, c: number) => clippedGradientSum(m, t, b, c, o.normMode ?? "auto", KEEP_BYTES, adapters) } : {};
  const schedule = { lr, minLr: o.minLr ?? lr / 10, warmupSteps: o.warmupSteps ?? 0, maxSteps: plan.steps };
  // A running RDP accountant re-checks each step against the target, so no step can overspend.
  const accountant = new RdpAccountant();
  // About 8K tokens per forward/backward: large enough to batch well, small enough for memory.
  const microBatch = o.microBatch ?? Math.max(1, Math.min(expected, Math.floor(8192 / seqLen)));
  const checkpointEvery = o.checkpointEvery ?? 50;
  const startStep = ck?.state.step ?? 0;
  let step = startStep;
  let spent = NaN;
  // Kept in memory for the divergence check only (see onStep).
  let trainLoss: number | null = null;
  let stepMs = 0;
  const corpus = corpusFingerprint(tokens);
  const evalBatch = Math.min(16, expected);
  const training: ResolvedTrainOptions = {
    data: files, config: base.from ?? o.config ?? "", tokenizer: o.tokenizer ?? null, maxSteps: plan.steps, evalEvery: plan.steps,
    evalBatches: o.evalBatches ?? 4, checkpointEvery, batchSize: expected, seqLen, lr, minLr: schedule.minLr,
    warmupSteps: schedule.warmupSteps, weightDecay: adam.weightDecay, clip: o.clip, gradAccum: 1, seed, valFraction: o.valFraction ?? 0.1,
    beta1: adam.beta1, beta2: adam.beta2, eps: adam.eps,
  };
  const epsilonAt = (k: number): number => k === plan.steps ? plan.epsilon
    : k === 0 ? 0 : planPrivacy({ delta: plan.delta, clip: plan.clip, noiseMultiplier: plan.noiseMultiplier, accountant: plan.accountant }, n, q, k).epsilon;
  const card = (k: number, epsilon: number, ev: { loss: number; perplexity: number } | null, final: boolean): ModelCard => ({
    format: "llmos-model-card/1", created: new Date().toISOString(), architecture: "llama", base: base.from,
    privacy: privacySection(plan, k, epsilon, seqLen, o.epsilon),
    dataset: { sha256, files: o.data.map((f) => basename(f)), tokens: corpus.tokens, sequences: n, scrubbed: o.scrub ?? false, budget },
    training: { optimizer: optName, lr, lora: adapters ? { rank: adapters.rank, alpha: adapters.alpha, targets: [...LORA_TARGETS], merged: true } : null, expected_batch_size: expected, micro_batch: microBatch, seq_len: seqLen,
      val_loss: ev?.loss ?? null, val_perplexity: ev?.perplexity ?? null, ...(resume ? { resumed_from: startStep } : {}), ...(final ? {} : { partial: `intermediate checkpoint at step ${k} of ${plan.steps}` }),
      val_note: "validation loss of held-out sequences, outside the DP guarantee (they were not trained on; their loss is released as is)", seconds: (performance.now() - started) / 1000 },
  });
  /** Publishes one checkpoint: weights (LoRA: merged) and, in the optimizer file, the moments (LoRA: also the adapters). */
  const checkpoint = async (k: number, ev: { loss: number; perplexity: number } | null, final: boolean): Promise<string> => {
    const epsilon = epsilonAt(k);
    const optState = optimizer.stateArrays();
    if (adapters) for (const [name, v] of adapters.params) optState.set(`a.${name}`, { shape: v.shape, data: v.dataSync() as Float32Array });
    const dp: DpCheckpointState = { format: "llmos-dp-checkpoint/1", run: record.run, step: k, epsilon_spent: epsilon, lora: adapters !== undefined };
    const dir = await saveCheckpoint(out, {
      model: base.config, training: { ...training, dp } as ResolvedTrainOptions, weights: adapters ? adapters.merged(model) : model.weights(), optimizer: optState, tokenizer: base.tokenizer,
      state: { step: k, tokensSeen: 0, dataOrder: DataOrder.start(n, seed).state(), lastTrainLoss: null, lastValLoss: ev?.loss ?? null, corpus },
    }, o.sealer);
    if (adapters) await saveLora(dir, adapters, o.sealer);
    await writeModelCard(dir, card(k, epsilon, ev, final));
    if (k > record.published_step) {
      record.published_step = k;
      await writeRunRecord(out, record);
    }
    o.onCheckpoint?.({ step: k, dir, epsilon });
    return dir;
  };
  try {
    if (ck) await restore(ck, optimizer, adapters, base.config, o.sealer);
    if (ck && !sameNumber(epsilonAt(startStep), ck.dp.epsilon_spent)) {
      throw new LlmosError("dp_resume_mismatch", 409, `the checkpoint records ε = ${ck.dp.epsilon_spent} spent by step ${startStep}, the accountant gives ${epsilonAt(startStep)}`, { data: { field: "epsilon_spent" } });
    }
    if (startStep > 0) accountant.composePoissonGaussian(plan.noiseMultiplier, q, startStep);
    let lastDir = ck?.dir ?? null;
    while (step < plan.steps) {
      if (plan.accountant === "rdp" && o.epsilon !== undefined) {
        accountant.composePoissonGaussian(plan.noiseMultiplier, q);
        const next = accountant.epsilon(plan.delta).epsilon;
        if (next > o.epsilon + 1e-9) break;
      }
      const t0 = performance.now();
      const stepRng = o.stepRng?.(step + 1) ?? rng;
      if (o.stepRng) assertReleaseRng(stepRng, true);
      const batch = poissonSample(n, q, stepRng);
      const r = dpNoisyGradient({ model, sequences: split.train, batch, microBatch, clip: o.clip, noiseMultiplier: plan.noiseMultiplier, expectedBatch: expected, rng: stepRng, ...(o.normMode ? { normMode: o.normMode } : {}), ...loraStep });
      optimizer.apply(r.grads, learningRate(step, schedule));
      tf.dispose([...r.grads.values()]);
      stepMs += performance.now() - t0;
      step++;
      if (!Number.isNaN(r.loss)) trainLoss = r.loss;
      if (trainLoss !== null && !Number.isFinite(trainLoss)) throw new LlmosError("training_diverged", 422, `DP training diverged at step ${step}; lower --lr or raise --clip`);
      spent = plan.accountant === "rdp" && o.epsilon !== undefined ? accountant.epsilon(plan.delta).epsilon : NaN;
      o.onStep?.({ step, totalSteps: plan.steps, epsilon: spent });
      if (step < plan.steps && step % checkpointEvery === 0) {
        lastDir = await checkpoint(step, null, false);
      }
    }
    // ε of the steps actually run, by the chosen accountant (the plan's own number when all ran).
    const epsilon = epsilonAt(Math.max(1, step));
    // LoRA: the released model is the base with the adapters merged in.
    const weights = adapters ? adapters.merged(model) : undefined;
    const released = weights ? LlamaModel.fromWeights(base.config, weights) : model;
    const ev = evaluateLoss(released, split.val.slice(0, (o.evalBatches ?? 4) * evalBatch), evalBatch);
    if (released !== model) released.dispose();
    // A resume of a finished run (crashed while writing its card) re-writes the card, not the checkpoint.
    const final = step === startStep && lastDir !== null ? lastDir : await checkpoint(step, ev, true);
    const finalCard = card(step, epsilon, ev, true);
    const modelCard = await writeModelCard(final, finalCard);
    await writeModelCard(out, finalCard);
    const ran = step - startStep;
    return { steps: step, plan, epsilon, valLoss: ev.loss, valPerplexity: ev.perplexity, checkpoint: final, modelCard, meanStepMs: ran ? stepMs / ran : 0, resumedFrom: resume ? startStep : null };
  } finally {
    optimizer.dispose();
    adapters?.dispose();
    model.dispose();
  }
}
