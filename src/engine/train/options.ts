// Trainer options: what callers may set, the defaults, and validation that names the bad option.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { CorruptFileError, InvalidArgumentError, NotFoundError } from "../../errors/index.ts";
import { PRESETS, presetNames, validateConfig, type LlamaPreset } from "../model/config.ts";

export interface TrainOptions {
  /** Corpus files (.txt: one document per file; .jsonl: one {"text": …} document per line). Optional on resume. */
  data?: string[];
  /** A preset name ("tiny", "default") or a JSON file holding a LlamaConfig (vocabSize optional). Optional on resume. */
  config?: string;
  /** Output directory: checkpoints/ and the `latest` pointer go here. */
  out: string;
  maxSteps?: number;
  /** Sequences per micro-batch. */
  batchSize?: number;
  /** Tokens per training sequence; defaults to the model's context length. */
  seqLen?: number;
  /** Peak learning rate. */
  lr?: number;
  /** Learning rate at the end of the cosine decay; defaults to lr / 10. */
  minLr?: number;
  warmupSteps?: number;
  weightDecay?: number;
  /** Global gradient-norm clip; 0 turns clipping off. */
  clip?: number;
  /** Micro-batches per optimizer step. */
  gradAccum?: number;
  evalEvery?: number;
  /** Validation batches per evaluation. */
  evalBatches?: number;
  checkpointEvery?: number;
  seed?: number;
  /** Share of the packed sequences held out for validation. */
  valFraction?: number;
  /** A tokenizer JSON to use; without it a BPE tokenizer is trained on the data. */
  tokenizer?: string;
  /** Vocabulary size for a tokenizer trained here (default: 512 for tiny, 4096 otherwise). */
  vocabSize?: number;
  /** Continue from `<out>/latest`. */
  resume?: boolean;
  /**
   * At each evaluation, show held-out text and the model's greedy continuation (through the KV
   * cache). Off by default: corpora may hold personal data, which must not reach logs unasked.
   */
  samples?: boolean;
}

/** Everything that decides the computed weights, fixed when a run starts and kept in its checkpoints. */
export interface TrainingHyperParams {
  batchSize: number;
  seqLen: number;
  lr: number;
  minLr: number;
  warmupSteps: number;
  weightDecay: number;
  clip: number;
  gradAccum: number;
  seed: number;
  valFraction: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/** Options with every default filled in, as config.json records them. */
export interface ResolvedTrainOptions extends TrainingHyperParams {
  data: string[];
  config: string;
  tokenizer: string | null;
  maxSteps: number;
  evalEvery: number;
  evalBatches: number;
  checkpointEvery: number;
}

export const HYPER_PARAM_KEYS: readonly (keyof TrainingHyperParams)[] = [
  "batchSize", "seqLen", "lr", "minLr", "warmupSteps", "weightDecay", "clip", "gradAccum", "seed", "valFraction", "beta1", "beta2", "eps",
];

/** Tokenizer sizes for presets when no tokenizer file is given. */
const PRESET_VOCAB: Record<string, number> = { tiny: 512, default: 4096 };
const DEFAULT_VOCAB = 4096;

function checkInt(field: string, v: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (v === undefined) return;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(field, `must be an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? "∞" : max}], got ${v}`);
  }
}

function checkNumber(field: string, v: number | undefined, min: number, minInclusive: boolean, max = Infinity, maxInclusive = false): void {
  if (v === undefined) return;
  const ok = Number.isFinite(v) && (minInclusive ? v >= min : v > min) && (maxInclusive ? v <= max : v < max);
  if (!ok) {
    const range = `${minInclusive ? "[" : "("}${min}, ${max === Infinity ? "∞)" : `${max}${maxInclusive ? "]" : ")"}`}`;
    throw new InvalidArgumentError(field, `must be a number in ${range}, got ${v}`);
  }
}

/** Checks every number the caller set (before defaults), so errors name what the caller gave. */
export function checkTrainOptions(o: TrainOptions): void {
  if (typeof o.out !== "string" || o.out.trim() === "") throw new InvalidArgumentError("out", "give an output directory");
  checkInt("maxSteps", o.maxSteps, 1);
  checkInt("batchSize", o.batchSize, 1);
  checkInt("seqLen", o.seqLen, 1);
  checkNumber("lr", o.lr, 0, false);
  checkNumber("minLr", o.minLr, 0, true);
  if (o.lr !== undefined && o.minLr !== undefined && o.minLr > o.lr) throw new InvalidArgumentError("minLr", `must not exceed lr (${o.lr}), got ${o.minLr}`);
  checkInt("warmupSteps", o.warmupSteps, 0);
  checkNumber("weightDecay", o.weightDecay, 0, true);
  checkNumber("clip", o.clip, 0, true);
  checkInt("gradAccum", o.gradAccum, 1);
  checkInt("evalEvery", o.evalEvery, 1);
  checkInt("evalBatches", o.evalBatches, 1);
  checkInt("checkpointEvery", o.checkpointEvery, 1);
  checkInt("seed", o.seed, 0, 0xffff_ffff);
  checkNumber("valFraction", o.valFraction, 0, false, 1, false);
  checkInt("vocabSize", o.vocabSize, 257);
  if (o.data !== undefined && (!Array.isArray(o.data) || o.data.some((f) => typeof f !== "string" || f === ""))) {
    throw new InvalidArgumentError("data", "must be a list of file paths");
  }
  if (!o.resume) {
    if (!o.data || o.data.length === 0) throw new InvalidArgumentError("data", "give at least one corpus file");
    if (!o.config) throw new InvalidArgumentError("config", "give a preset name or a config JSON file");
  }
}

/** Fills in defaults; seqLen defaults to the model's context length and must not exceed it. */
export function resolveTrainOptions(o: TrainOptions, contextLength: number): ResolvedTrainOptions {
  const maxSteps = o.maxSteps ?? 1000;
  const lr = o.lr ?? 1e-3;
  const minLr = o.minLr ?? lr / 10;
  if (minLr > lr) throw new InvalidArgumentError("minLr", `must not exceed lr (${lr}), got ${minLr}`);
  const seqLen = o.seqLen ?? contextLength;
  if (seqLen > contextLength) throw new InvalidArgumentError("seqLen", `must not exceed the model's context length (${contextLength}), got ${seqLen}`);
  return {
    data: (o.data ?? []).map((f) => resolve(f)),
    config: o.config ?? "",
    tokenizer: o.tokenizer ? resolve(o.tokenizer) : null,
    maxSteps,
    batchSize: o.batchSize ?? 8,
    seqLen,
    lr,
    minLr,
    warmupSteps: o.warmupSteps ?? Math.min(100, Math.floor(maxSteps / 10)),
    weightDecay: o.weightDecay ?? 0.1,
    clip: o.clip ?? 1.0,
    gradAccum: o.gradAccum ?? 1,
    evalEvery: o.evalEvery ?? 100,
    evalBatches: o.evalBatches ?? 4,
    checkpointEvery: o.checkpointEvery ?? 100,
    seed: o.seed ?? 1337,
    valFraction: o.valFraction ?? 0.05,
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
  };
}

export interface ModelSpec {
  /** Architecture without the vocabulary, which the tokenizer decides. */
  preset: LlamaPreset;
  /** vocabSize the config file asked for, if any. */
  vocabSize?: number;
  /** Tokenizer size to train when no tokenizer file is given. */
  tokenizerVocab: number;
}

function looksLikeFile(spec: string): boolean {
  return spec.endsWith(".json") || spec.includes("/") || spec.includes("\\");
}

/** Resolves `config`: a preset name, or a JSON file with a LlamaConfig whose vocabSize is optional. */
export async function resolveModelSpec(spec: string, vocabSize?: number): Promise<ModelSpec> {
  if (!looksLikeFile(spec)) {
    if (!PRESETS[spec]) throw new NotFoundError("preset", spec, `known presets: ${presetNames().join(", ")}; or give a config .json file`);
    const preset = { ...PRESETS[spec]! };
    return { preset, tokenizerVocab: vocabSize ?? PRESET_VOCAB[spec] ?? DEFAULT_VOCAB };
  }
  let text: string;
  try {
    text = await readFile(spec, "utf8");
  } catch (cause) {
    throw new NotFoundError("config file", spec, "give a preset name or an existing .json file", { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new CorruptFileError(spec, "is not valid JSON", { cause });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new CorruptFileError(spec, "must hold a JSON object");
  const fields = raw as Record<string, unknown>;
  const given = fields.vocabSize;
  // Validate with a stand-in vocabulary when the file leaves it to the tokenizer.
  const cfg = validateConfig(given === undefined ? { ...fields, vocabSize: 1 } : fields, spec);
  const { vocabSize: _v, ...preset } = cfg;
  return {
    preset,
    ...(given === undefined ? {} : { vocabSize: cfg.vocabSize }),
    tokenizerVocab: vocabSize ?? (given === undefined ? DEFAULT_VOCAB : cfg.vocabSize),
  };
}
