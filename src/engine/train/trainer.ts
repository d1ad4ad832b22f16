// The training loop of the native engine: data → batches → gradients (accumulated, clipped) →
// AdamW with warm-up + cosine schedule, with periodic evaluation and atomic checkpoints that a
// resumed run continues bit-for-bit.
import * as tf from "@tensorflow/tfjs";
import { resolve } from "node:path";
import { InvalidArgumentError, LlmosError, NotFoundError } from "../../errors/index.ts";
import type { LlamaConfig } from "../model/config.ts";
import { LlamaModel, evaluateLoss, initBackend } from "../model/index.ts";
import { BpeTokenizer, trainBpe } from "../tokenizer/index.ts";
import { assertFreshOut, hasCheckpoint, loadCheckpoint, loadOptimizerState, saveCheckpoint, type LoadedCheckpoint, type TrainState } from "./checkpoint.ts";
import { DataOrder, batchTokens, corpusFingerprint, packSequences, readDocuments, splitSequences, tokenizeDocuments } from "./data.ts";
import type { TrainHooks, TrainResult } from "./events.ts";
import { accumulateGradients, clipByGlobalNorm } from "./gradients.ts";
import { AdamW } from "./optimizer.ts";
import { HYPER_PARAM_KEYS, checkTrainOptions, resolveModelSpec, resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from "./options.ts";
import { learningRate } from "./schedule.ts";

interface RunSetup {
  config: LlamaConfig;
  training: ResolvedTrainOptions;
  tokenizer: BpeTokenizer;
  docs: string[];
}

/** Options of a resumed run: the checkpoint's, with only the harmless ones (length, eval, save cadence) changeable. */
function resumeOptions(saved: ResolvedTrainOptions, o: TrainOptions): ResolvedTrainOptions {
  for (const key of HYPER_PARAM_KEYS) {
    const given = (o as unknown as Record<string, unknown>)[key];
    if (given !== undefined && given !== saved[key]) {
      throw new InvalidArgumentError(key, `the checkpoint being resumed used ${saved[key]}, got ${String(given)}; omit it or give the same value`);
    }
  }
  return {
    ...saved,
    data: o.data && o.data.length > 0 ? o.data.map((f) => resolve(f)) : saved.data,
    maxSteps: o.maxSteps ?? saved.maxSteps,
    evalEvery: o.evalEvery ?? saved.evalEvery,
    evalBatches: o.evalBatches ?? saved.evalBatches,
    checkpointEvery: o.checkpointEvery ?? saved.checkpointEvery,
  };
}

async function setupResume(o: TrainOptions, ckpt: LoadedCheckpoint): Promise<RunSetup> {
  const training = resumeOptions(ckpt.training, o);
  if (o.config) {
    const spec = await resolveModelSpec(o.config);
    for (const [k, v] of Object.entries(spec.preset)) {
      const saved = ckpt.config[k as keyof LlamaConfig];
      if (saved !== v) throw new InvalidArgumentError("config", `${k} is ${String(v)} but the checkpoint being resumed has ${String(saved)}`);
    }
  }
  if (o.tokenizer) {
    const given = await BpeTokenizer.load(o.tokenizer);
    if (JSON.stringify(given.toJSON()) !== JSON.stringify(ckpt.tokenizer.toJSON())) {
      throw new InvalidArgumentError("tokenizer", "differs from the tokenizer saved in the checkpoint being resumed");
    }
  }
  return { config: ckpt.config, training, tokenizer: ckpt.tokenizer, docs: await readDocuments(training.data) };
}

async function setupFresh(o: TrainOptions): Promise<RunSetup> {
  const spec = await resolveModelSpec(o.config!, o.vocabSize);
  const training = resolveTrainOptions(o, spec.preset.contextLength);
  if (o.tokenizer && o.vocabSize !== undefined) throw new InvalidArgumentError("vocabSize", "only applies when a tokenizer is trained here; drop it or drop the tokenizer file");
  const docs = await readDocuments(training.data);
  if (docs.every((d) => d.length === 0)) throw new InvalidArgumentError("data", "the corpus is empty: the files hold no text");
  const tokenizer = training.tokenizer ? await BpeTokenizer.load(training.tokenizer) : trainBpe(docs, { vocabSize: spec.tokenizerVocab });
  if (training.tokenizer && spec.vocabSize !== undefined && spec.vocabSize !== tokenizer.vocabSize) {
    throw new InvalidArgumentError("config", `vocabSize ${spec.vocabSize} differs from the tokenizer's ${tokenizer.vocabSize} tokens`);
  }
  return { config: { ...spec.preset, vocabSize: tokenizer.vocabSize }, training, tokenizer, docs };
}

function sameCorpus(a: TrainState["corpus"], b: TrainState["corpus"]): boolean {
  return a.tokens === b.tokens && a.sha256 === b.sha256;
}

/** Trains (or resumes training of) a Llama-architecture model; see TrainOptions for the knobs. */
export async function train(opts: TrainOptions, hooks: TrainHooks = {}): Promise<TrainResult> {
  const started = performance.now();
  checkTrainOptions(opts);
  const out = resolve(opts.out);
  let ckpt: LoadedCheckpoint | undefined;
  if (opts.resume) {
    if (!(await hasCheckpoint(out))) throw new NotFoundError("checkpoint", out, "nothing to resume there; run without resume to start training");
    ckpt = await loadCheckpoint(out);
    // Resuming a DP run without DP would train on past its guarantee while its card still claims ε.
    if ((ckpt.training as unknown as { dp?: unknown }).dp !== undefined) {
      throw new InvalidArgumentError("resume", `${out} holds a differentially private run; resume it with 'llmos train --dp --resume' so it stays within its privacy budget`);
    }
  } else {
    await assertFreshOut(out);
  }
  const { config, training, tokenizer, docs } = ckpt ? await setupResume(opts, ckpt) : await setupFresh(opts);
  const T = training.seqLen;
  const B = training.batchSize;

  const tokens = tokenizeDocuments(docs, tokenizer);
  const corpus = corpusFingerprint(tokens);
  if (ckpt && !sameCorpus(corpus, ckpt.state.corpus)) {
    throw new InvalidArgumentError("data", `tokenizes to ${corpus.tokens} tokens that differ from the ${ckpt.state.corpus.tokens} the checkpoint was trained on; resume with the same data files`);
  }
  const split = splitSequences(packSequences(tokens, T), training.valFraction, training.seed);
  const order = ckpt ? new DataOrder(split.train.length, ckpt.state.dataOrder) : DataOrder.start(split.train.length, training.seed);

  await initBackend();
  const model = ckpt ? LlamaModel.fromWeights(config, ckpt.weights) : LlamaModel.create(config, { seed: training.seed });
  const optimizer = new AdamW(model.params, { beta1: training.beta1, beta2: training.beta2, eps: training.eps, weightDecay: training.weightDecay });
  try {
    const state: TrainState = ckpt
      ? { ...ckpt.state, corpus }
      : { step: 0, tokensSeen: 0, dataOrder: order.state(), lastTrainLoss: null, lastValLoss: null, corpus };
    if (ckpt) optimizer.loadState(await loadOptimizerState(ckpt.dir, config), ckpt.state.step);
    const valSeqs = split.val.slice(0, training.evalBatches * B);
    let lastCheckpoint = ckpt?.dir ?? null;
    let valPerplexity = state.lastValLoss === null ? null : Math.exp(state.lastValLoss);
    let runTokens = 0;
    let stepSeconds = 0;
    const schedule = { lr: training.lr, minLr: training.minLr, warmupSteps: training.warmupSteps, maxSteps: training.maxSteps };

    while (state.step < training.maxSteps) {
      const t0 = performance.now();
      const lr = learningRate(state.step, schedule);
      const micro: tf.Tensor2D[] = [];
      for (let a = 0; a < training.gradAccum; a++) micro.push(tf.tensor2d(batchTokens(split.train, order.next(B)), [B, T + 1], "int32"));
      const { loss, grads } = accumulateGradients(model, micro);
      tf.dispose(micro);
      const gradNorm = clipByGlobalNorm(grads, training.clip);
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        tf.dispose([...grads.values()]);
        throw new LlmosError("training_diverged", 422, `training diverged at step ${state.step + 1} (loss ${loss}); lower the learning rate or raise the warm-up`);
      }
      optimizer.apply(grads, lr);
      tf.dispose([...grads.values()]);
      const stepTokens = B * T * training.gradAccum;
      state.step++;
      state.tokensSeen += stepTokens;
      state.lastTrainLoss = loss;
      state.dataOrder = order.state();
      runTokens += stepTokens;
      stepSeconds += (performance.now() - t0) / 1000;
      const perStep = stepSeconds / (state.step - (ckpt?.state.step ?? 0));
      hooks.onProgress?.({
        step: state.step, totalSteps: training.maxSteps, loss, lr, gradNorm, tokens: state.tokensSeen,
        tokensPerSecond: runTokens / stepSeconds, elapsedSeconds: (performance.now() - started) / 1000,
        etaSeconds: perStep * (training.maxSteps - state.step),
      });
      const last = state.step === training.maxSteps;
      if (last || state.step % training.evalEvery === 0) {
        const ev = evaluateLoss(model, valSeqs, B);
        state.lastValLoss = ev.loss;
        valPerplexity = ev.perplexity;
        // A greedy continuation of held-out text through the KV cache, so a person can watch the model learn.
        const sample = opts.samples ? greedySample(model, tokenizer, valSeqs[0]!, training.seqLen) : {};
        hooks.onEval?.({ step: state.step, valLoss: ev.loss, valPerplexity: ev.perplexity, ...sample });
      }
      if (last || state.step % training.checkpointEvery === 0) {
        lastCheckpoint = await saveCheckpoint(out, {
          model: config, training, weights: model.weights(), optimizer: optimizer.stateArrays(), tokenizer, state,
        });
        hooks.onCheckpoint?.(lastCheckpoint, state.step);
      }
    }
    return {
      steps: state.step,
      tokens: state.tokensSeen,
      trainLoss: state.lastTrainLoss,
      valLoss: state.lastValLoss,
      valPerplexity,
      tokensPerSecond: stepSeconds > 0 ? runTokens / stepSeconds : 0,
      elapsedSeconds: (performance.now() - started) / 1000,
      checkpoint: lastCheckpoint,
      resumedFrom: ckpt ? ckpt.state.step : null,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

function greedySample(model: LlamaModel, tokenizer: BpeTokenizer, seq: Int32Array, seqLen: number): { prompt: string; sample: string } {
  const prompt = Array.from(seq.subarray(0, Math.max(1, Math.min(16, seqLen - 24))));
  const ids = model.generate(prompt, { maxTokens: Math.min(24, seqLen - prompt.length), temperature: 0, stopTokens: [tokenizer.eosId] });
  return { prompt: tokenizer.decode(prompt), sample: tokenizer.decode(ids) };
}
