// Training checkpoints: <out>/checkpoints/step-XXXXXXXX/ with weights, optimizer moments, config,
// tokenizer and loop state. Written to a temporary directory, fsynced, then renamed into place and
// published through <out>/latest, so a crash at any moment leaves the previous checkpoint intact.
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { CorruptFileError, InvalidArgumentError, NotFoundError, isLlmosError } from "../../errors/index.ts";
import { validateConfig, tensorShapes, type LlamaConfig } from "../model/config.ts";
import { BpeTokenizer } from "../tokenizer/index.ts";
import { decodeSafetensors, encodeSafetensors, float32Tensors, readSafetensors, writeSafetensors, type SafeTensor, type SafetensorsFile } from "../safetensors/index.ts";
import { syncDirectory, writeFileSynced } from "../../store/index.ts";
import type { DataOrderState } from "./data.ts";
import type { ResolvedTrainOptions } from "./options.ts";
import type { RngState } from "./rng.ts";

/** How many step directories to keep; older ones are deleted after a new one is published. */
export const KEEP_CHECKPOINTS = 2;
const STATE_FORMAT = "llmos-train-state/1";

export interface TrainState {
  /** Optimizer steps completed. */
  step: number;
  tokensSeen: number;
  /** Data order: epoch, position in it, and the RNG state that drew its permutation. */
  dataOrder: DataOrderState;
  lastTrainLoss: number | null;
  lastValLoss: number | null;
  /** Fingerprint of the tokenized corpus, checked on resume. */
  corpus: { tokens: number; sha256: string };
}

export interface CheckpointConfig {
  model: LlamaConfig;
  training: ResolvedTrainOptions;
}

/**
 * Seals the tensor files of a private checkpoint at rest (the security kernel's envelope cipher
 * implements it). `name` ("step-00000042/model.safetensors") is bound to the sealed bytes, so a file
 * moved to another step or swapped with another file does not open.
 */
export interface CheckpointSealer {
  seal(plain: Uint8Array, name: string): Uint8Array;
  open(sealed: Uint8Array, name: string): Uint8Array;
}

export const SEALED = ".sealed";

/** Writes one tensor file of a step directory: plain, or sealed as `<file>.sealed` with a sealer. */
export async function writeTensors(dir: string, file: string, tensors: Map<string, SafeTensor>, meta: Record<string, string>, stepName: string, sealer?: CheckpointSealer): Promise<void> {
  if (!sealer) return writeSafetensors(join(dir, file), tensors, meta);
  await writeFileSynced(join(dir, file + SEALED), sealer.seal(encodeSafetensors(tensors, meta), `${stepName}/${file}`));
}

/** Reads one tensor file of a step directory, plain or sealed (a sealed one needs the sealer). */
export async function readTensors(dir: string, file: string, sealer?: CheckpointSealer): Promise<SafetensorsFile> {
  const plain = join(dir, file);
  const sealed = plain + SEALED;
  if (!(await exists(sealed))) return readSafetensors(plain);
  if (!sealer) throw new CorruptFileError(sealed, "is sealed (a private checkpoint); open it through llmos with the master key of its data directory (--data-dir)");
  const bytes = sealer.open(new Uint8Array(await readFile(sealed)), `${basename(dir)}/${file}`);
  return decodeSafetensors(bytes, sealed);
}

/** Whether a step directory holds sealed (private) tensors. */
export async function isSealedCheckpoint(dirOrOut: string): Promise<boolean> {
  return exists(join(await resolveCheckpointDir(dirOrOut), "model.safetensors" + SEALED));
}

export interface CheckpointData extends CheckpointConfig {
  weights: Map<string, Float32Array>;
  optimizer: Map<string, { shape: number[]; data: Float32Array }>;
  tokenizer: BpeTokenizer;
  state: TrainState;
}

export interface LoadedCheckpoint {
  /** The step directory that was read. */
  dir: string;
  config: LlamaConfig;
  training: ResolvedTrainOptions;
  weights: Map<string, Float32Array>;
  tokenizer: BpeTokenizer;
  state: TrainState;
}

export function stepDirName(step: number): string {
  return `step-${String(step).padStart(8, "0")}`;
}


async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** True when `out` already holds a published checkpoint. */
export async function hasCheckpoint(out: string): Promise<boolean> {
  return exists(join(out, "latest"));
}

/** Writes one checkpoint atomically, publishes it as latest, prunes old ones; returns its directory. */
export async function saveCheckpoint(out: string, c: CheckpointData, sealer?: CheckpointSealer): Promise<string> {
  const root = join(out, "checkpoints");
  await mkdir(root, { recursive: true });
  const name = stepDirName(c.state.step);
  const tmp = join(root, `.tmp-${name}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);

  const weights = new Map<string, SafeTensor>();
  const shapes = tensorShapes(c.model);
  for (const [tensor, shape] of shapes) {
    const data = c.weights.get(tensor);
    if (!data) throw new Error(`checkpoint: weights lack '${tensor}'`);
    weights.set(tensor, { dtype: "F32", shape, data });
  }
  const moments = new Map<string, SafeTensor>();
  for (const [key, t] of c.optimizer) moments.set(key, { dtype: "F32", shape: t.shape, data: t.data });

  const meta = { format: "llmos-checkpoint", step: String(c.state.step) };
  await writeTensors(tmp, "model.safetensors", weights, meta, name, sealer);
  await writeTensors(tmp, "optimizer.safetensors", moments, meta, name, sealer);
  await writeFileSynced(join(tmp, "config.json"), `${JSON.stringify({ model: c.model, training: c.training }, null, 2)}\n`);
  await writeFileSynced(join(tmp, "tokenizer.json"), JSON.stringify(c.tokenizer.toJSON()));
  await writeFileSynced(join(tmp, "state.json"), `${JSON.stringify({ format: STATE_FORMAT, ...c.state }, null, 2)}\n`);
  await syncDirectory(tmp);

  const final = join(root, name);
  // A directory of this name can only be an unpublished leftover of a crashed run (latest is older).
  await rm(final, { recursive: true, force: true });
  await rename(tmp, final);
  await syncDirectory(root);

  const latestTmp = join(out, `latest.tmp-${process.pid}`);
  await writeFileSynced(latestTmp, `${name}\n`);
  await rename(latestTmp, join(out, "latest"));
  await syncDirectory(out);

  await prune(root, name);
  return final;
}

/**
 * Deletes temporary directories, step directories newer than the one just published (unpublished
 * leftovers of a crashed run), and all but the newest KEEP_CHECKPOINTS of the rest.
 */
async function prune(root: string, published: string): Promise<void> {
  const entries = await readdir(root);
  // Zero-padded names sort in step order.
  const steps = entries.filter((e) => /^step-\d{8}$/.test(e) && e <= published).sort();
  const keep = new Set(steps.slice(-KEEP_CHECKPOINTS));
  for (const e of entries) {
    const stale = e.startsWith(".tmp-") || (/^step-\d{8}$/.test(e) && !keep.has(e));
    if (stale) await rm(join(root, e), { recursive: true, force: true });
  }
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CorruptFileError(path, code === "ENOENT" ? "file is missing" : `cannot be read (${code ?? "I/O error"})`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new CorruptFileError(path, "is not valid JSON", { cause });
  }
}

/** The step directory for `dirOrOut`: itself when it is one, else the one `<dir>/latest` names. */
export async function resolveCheckpointDir(dirOrOut: string): Promise<string> {
  if (await exists(join(dirOrOut, "state.json"))) return dirOrOut;
  const latest = join(dirOrOut, "latest");
  let name: string;
  try {
    name = (await readFile(latest, "utf8")).trim();
  } catch (cause) {
    if (!(await exists(dirOrOut))) throw new NotFoundError("checkpoint directory", dirOrOut, "check the path", { cause });
    throw new NotFoundError("checkpoint", dirOrOut, "it holds neither a 'latest' file nor a step directory's state.json", { cause });
  }
  if (!/^step-\d{8}$/.test(name)) throw new CorruptFileError(latest, "does not name a step directory");
  const dir = join(dirOrOut, "checkpoints", name);
  if (!(await exists(dir))) throw new CorruptFileError(latest, `names ${name}, which is missing`);
  return dir;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseState(raw: unknown, path: string): TrainState {
  const bad = (what: string): never => {
    throw new CorruptFileError(path, what);
  };
  if (!isRecord(raw) || raw.format !== STATE_FORMAT) return bad(`is not a ${STATE_FORMAT} file`);
  const int = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  const lossOrNull = (v: unknown): boolean => v === null || typeof v === "number";
  const d = raw.dataOrder;
  const c = raw.corpus;
  if (!int(raw.step) || !int(raw.tokensSeen)) bad("has a bad step or tokensSeen");
  if (!isRecord(d) || !int(d.epoch) || !int(d.cursor)) return bad("has a bad dataOrder");
  if (!Array.isArray(d.rng) || d.rng.length !== 4 || !d.rng.every((w) => int(w) && w <= 0xffff_ffff) || d.rng.every((w) => w === 0)) bad("has a bad RNG state");
  if (!isRecord(c) || !int(c.tokens) || typeof c.sha256 !== "string") return bad("has a bad corpus fingerprint");
  if (!lossOrNull(raw.lastTrainLoss) || !lossOrNull(raw.lastValLoss)) bad("has bad loss values");
  return {
    step: raw.step as number,
    tokensSeen: raw.tokensSeen as number,
    dataOrder: { epoch: d.epoch, cursor: d.cursor, rng: d.rng as RngState },
    lastTrainLoss: raw.lastTrainLoss as number | null,
    lastValLoss: raw.lastValLoss as number | null,
    corpus: { tokens: c.tokens, sha256: c.sha256 },
  };
}

function parseConfig(raw: unknown, path: string): CheckpointConfig {
  if (!isRecord(raw) || !isRecord(raw.training)) throw new CorruptFileError(path, "must hold {model, training}");
  let model: LlamaConfig;
  try {
    model = validateConfig(raw.model, "model");
  } catch (cause) {
    throw new CorruptFileError(path, (cause as Error).message, { cause });
  }
  const t = raw.training;
  const numbers = ["maxSteps", "batchSize", "seqLen", "lr", "minLr", "warmupSteps", "weightDecay", "clip", "gradAccum", "evalEvery", "evalBatches", "checkpointEvery", "seed", "valFraction", "beta1", "beta2", "eps"];
  for (const k of numbers) if (typeof t[k] !== "number" || !Number.isFinite(t[k])) throw new CorruptFileError(path, `training.${k} is missing or not a number`);
  if (!Array.isArray(t.data) || !t.data.every((f) => typeof f === "string")) throw new CorruptFileError(path, "training.data must list files");
  return { model, training: t as unknown as ResolvedTrainOptions };
}

/**
 * Reads a checkpoint: `dirOrOut` is a training output directory (its latest checkpoint is used) or
 * one step directory. Every file is validated; defects raise CorruptFileError naming the file.
 */
export async function loadCheckpoint(dirOrOut: string, sealer?: CheckpointSealer): Promise<LoadedCheckpoint> {
  const dir = await resolveCheckpointDir(dirOrOut);
  const configPath = join(dir, "config.json");
  const { model, training } = parseConfig(await readJson(configPath), configPath);
  const statePath = join(dir, "state.json");
  const state = parseState(await readJson(statePath), statePath);
  const weightsPath = join(dir, "model.safetensors");
  const weights = float32Tensors(await readTensors(dir, "model.safetensors", sealer), weightsPath, tensorShapes(model));
  const tokPath = join(dir, "tokenizer.json");
  const tokJson = await readJson(tokPath);
  let tokenizer: BpeTokenizer;
  try {
    tokenizer = BpeTokenizer.fromJSON(tokJson, tokPath);
  } catch (cause) {
    if (isLlmosError(cause)) throw cause;
    throw new CorruptFileError(tokPath, "is not a valid tokenizer", { cause });
  }
  if (tokenizer.vocabSize !== model.vocabSize) {
    throw new CorruptFileError(tokPath, `has ${tokenizer.vocabSize} tokens but the model's vocabulary is ${model.vocabSize}`);
  }
  return { dir, config: model, training, weights, tokenizer, state };
}

/** The AdamW moments of a step directory, checked against the model's tensor shapes. */
export async function loadOptimizerState(dir: string, model: LlamaConfig, sealer?: CheckpointSealer): Promise<Map<string, Float32Array>> {
  const path = join(dir, "optimizer.safetensors");
  const expected = new Map<string, number[]>();
  for (const [name, shape] of tensorShapes(model)) {
    expected.set(`m.${name}`, shape);
    expected.set(`v.${name}`, shape);
  }
  return float32Tensors(await readTensors(dir, "optimizer.safetensors", sealer), path, expected);
}

/** Refuses to start a fresh run over an output directory that already holds checkpoints. */
export async function assertFreshOut(out: string): Promise<void> {
  if (await hasCheckpoint(out)) {
    throw new InvalidArgumentError("out", `${out} already holds checkpoints; pass resume (--resume) to continue them or choose another output directory`);
  }
}
