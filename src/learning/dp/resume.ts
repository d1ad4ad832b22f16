// Crash-safe DP runs. <out>/dp-run.json pins what defines the mechanism (settings, data hash, privacy
// plan, the budget's ledger entry) before any step; each checkpoint carries the accountant position
// (training.dp in its config.json, published atomically with the weights). A resumed run recomputes
// the plan, checks it is the same mechanism, composes the accountant up to the checkpoint's step and
// never debits the budget again.
// Why this is sound: only published checkpoints leave the run, so the released iterates are those of
// one run of the planned DP-SGD mechanism (Abadi et al. 2016, Alg. 1; the RDP composition of Mironov
// 2017 counts every published step once); steps lost after the last checkpoint released nothing and
// are re-drawn with fresh randomness. No RNG state is saved: each step's Poisson coins and Gaussian
// noise are fresh CSPRNG draws, which is exactly what the accountant assumes, whereas a seed stored
// beside the weights would let anyone holding the checkpoint recompute and subtract the noise.
// Rolling back to an older checkpoint would re-run published steps (a second draw of a released
// output), so it is refused against the recorded high-water step.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { CorruptFileError, InvalidArgumentError, LlmosError, NotFoundError } from "../../errors/index.ts";
import { decodeSafetensors, float32Tensors, readSafetensors } from "../../engine/safetensors/index.ts";
import * as tf from "@tensorflow/tfjs";
import type { LlamaConfig } from "../../engine/model/index.ts";
import { hasCheckpoint, loadCheckpoint, loadOptimizerState, SEALED, type CheckpointSealer, type LoadedCheckpoint } from "../../engine/train/index.ts";
import { DpBudgetStore } from "../../privacy/dp/index.ts";
import { writeFileAtomic } from "../../store/index.ts";
import type { LoraAdapters } from "./lora.ts";
import type { PrivacyPlan } from "./privacy.ts";
import type { DpOptimizer } from "./step.ts";

export const DP_RUN = "dp-run.json";
const RUN_FORMAT = "llmos-dp-run/1";
const CKPT_FORMAT = "llmos-dp-checkpoint/1";

/** The options that define the mechanism (or its released model); a resume may omit them but not change them. */
export const PINNED_KEYS = [
  "config", "from", "tokenizer", "maxSteps", "batchSize", "seqLen", "lr", "minLr", "warmupSteps", "weightDecay", "optimizer", "seed",
  "valFraction", "epsilon", "delta", "clip", "noiseMultiplier", "accountant", "scrub", "normMode", "lora",
] as const;
/** Options a resume may change: they do not alter what is computed (micro-batching only splits the same sum). */
export const FREE_KEYS = ["data", "microBatch", "evalBatches", "checkpointEvery"] as const;
const PATH_KEYS = new Set(["from", "tokenizer"]);

export type BudgetRecord = { tenant: string; id: string; epsilon: number; delta: number; ledger_seq: number } | null;

export interface DpRunRecord {
  format: typeof RUN_FORMAT;
  /** Random id of this run, written into its ledger entry so a resume finds that entry and no other. */
  run: string;
  created: string;
  settings: Record<string, unknown>;
  dataset: { tenant: string; id: string } | null;
  data_sha256: string;
  sequences: number;
  plan: PrivacyPlan;
  /** The debit; "pending" from just before it is made until it is recorded here. */
  budget: BudgetRecord | "pending";
  /** Highest step ever published: resuming from an older checkpoint (a rollback) would re-run released steps. */
  published_step: number;
}

/** What each DP checkpoint adds to its config.json (under training.dp). */
export interface DpCheckpointState {
  format: typeof CKPT_FORMAT;
  run: string;
  step: number;
  /** ε of the steps so far, by the plan's accountant. */
  epsilon_spent: number;
  lora: boolean;
}

function pinnedValue(key: string, v: unknown): unknown {
  if (v === undefined) return undefined;
  return PATH_KEYS.has(key) || (key === "config" && typeof v === "string" && /\.json$/i.test(v)) ? resolve(String(v)) : v;
}

/** The pinned options of a run, JSON-safe (paths resolved so a resume from another directory matches). */
export function pinnedSettings(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of PINNED_KEYS) {
    const v = pinnedValue(key, (o as Record<string, unknown>)[key]);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** The resumed run's options: the record's pinned settings, where the caller's agree with them. */
export function mergeResumeOptions<T extends object>(record: DpRunRecord, given: T): T {
  const merged: Record<string, unknown> = { ...(given as Record<string, unknown>) };
  for (const key of PINNED_KEYS) {
    const saved = record.settings[key];
    const now = pinnedValue(key, (given as Record<string, unknown>)[key]);
    if (now !== undefined && JSON.stringify(now) !== JSON.stringify(saved)) {
      throw new InvalidArgumentError(`--${flagName(key)}`, `the DP run being resumed used ${saved === undefined ? "no value" : JSON.stringify(saved)}, got ${JSON.stringify(now)}; omit it or give the same value`);
    }
    // The caller's spelling of an agreeing path is kept (the model card names the base as given).
    if (now === undefined) {
      if (saved !== undefined) merged[key] = saved;
      else delete merged[key];
    }
  }
  const ds = (given as { dataset?: { tenant: string; id: string } }).dataset;
  if (ds && (!record.dataset || record.dataset.tenant !== ds.tenant || record.dataset.id !== ds.id)) {
    throw new InvalidArgumentError("--dataset", "differs from the dataset whose budget the DP run being resumed was debited from");
  }
  if (!ds && record.dataset) throw new InvalidArgumentError("--dataset", `the DP run being resumed is debited from dataset '${record.dataset.id}'; give --dataset (and --tenant, --data-dir) again`);
  return merged as T;
}

function flagName(key: string): string {
  const special: Record<string, string> = { maxSteps: "max-steps", batchSize: "batch-size", seqLen: "seq-len", minLr: "min-lr", warmupSteps: "warmup", weightDecay: "weight-decay", valFraction: "val-fraction", noiseMultiplier: "noise-multiplier", normMode: "norm-mode", lora: "lora-rank" };
  return special[key] ?? key;
}

export function newRunRecord(x: Omit<DpRunRecord, "format" | "run" | "created" | "published_step" | "budget">): DpRunRecord {
  return { format: RUN_FORMAT, run: randomUUID(), created: new Date().toISOString(), ...x, budget: x.dataset ? "pending" : null, published_step: 0 };
}

export async function writeRunRecord(out: string, r: DpRunRecord): Promise<void> {
  await writeFileAtomic(join(out, DP_RUN), `${JSON.stringify(r, null, 2)}\n`);
}

/** True when `out` already holds (part of) a DP run or any checkpoint. */
export async function hasRun(out: string): Promise<boolean> {
  return existsSync(join(out, DP_RUN)) || (await hasCheckpoint(out));
}

async function readRunRecord(out: string): Promise<DpRunRecord> {
  const path = join(out, DP_RUN);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") {
      throw new NotFoundError("DP run", out, "nothing to resume there (no dp-run.json); run without --resume to start training", { cause });
    }
    throw new CorruptFileError(path, "is not valid JSON", { cause });
  }
  const r = raw as Partial<DpRunRecord>;
  if (r.format !== RUN_FORMAT || typeof r.run !== "string" || typeof r.settings !== "object" || r.settings === null || typeof r.plan !== "object"
    || typeof r.data_sha256 !== "string" || !Number.isSafeInteger(r.published_step) || !Number.isSafeInteger(r.sequences)) {
    throw new CorruptFileError(path, `is not a ${RUN_FORMAT} file`);
  }
  return r as DpRunRecord;
}

export interface ResumePoint {
  record: DpRunRecord;
  /** The latest checkpoint; null when the run stopped before its first one. */
  checkpoint: (LoadedCheckpoint & { dp: DpCheckpointState }) | null;
}

/** Opens a DP run for --resume: its record and latest checkpoint, refusing foreign or rolled-back checkpoints. */
export async function openResume(out: string, sealer?: CheckpointSealer): Promise<ResumePoint> {
  const record = await readRunRecord(out);
  if (!(await hasCheckpoint(out))) {
    if (record.published_step > 0) throw new CorruptFileError(join(out, "latest"), `is missing but step ${record.published_step} was published; refusing to re-run released steps`);
    return { record, checkpoint: null };
  }
  const ck = await loadCheckpoint(out, sealer);
  const dp = (ck.training as unknown as { dp?: DpCheckpointState }).dp;
  const cfg = join(ck.dir, "config.json");
  if (!dp || dp.format !== CKPT_FORMAT) throw new CorruptFileError(cfg, "is not a DP checkpoint (no training.dp); resume it with 'llmos train --resume'");
  if (dp.run !== record.run) throw new CorruptFileError(cfg, `belongs to another DP run than ${DP_RUN} describes`);
  if (dp.step !== ck.state.step) throw new CorruptFileError(cfg, `training.dp.step ${dp.step} differs from the checkpoint's step ${ck.state.step}`);
  if (ck.state.step < record.published_step) {
    throw new InvalidArgumentError("--resume", `the latest checkpoint is step ${ck.state.step} but step ${record.published_step} was already published; re-running released steps would spend the privacy budget twice`);
  }
  return { record, checkpoint: { ...ck, dp } };
}

/** The recorded debit, checked against the ledger; a debit left pending by a crash is looked up by run id. */
export function resumeBudget(record: DpRunRecord, db: string | undefined): BudgetRecord | "pending" {
  if (record.budget === null) return null;
  if (!record.dataset || !db) throw new InvalidArgumentError("--dataset", "the DP run being resumed has a budget debit; give --dataset again");
  const store = DpBudgetStore.open(db);
  try {
    const entries = store.ledger(record.dataset.tenant, record.dataset.id);
    if (record.budget === "pending") {
      const e = entries.find((x) => (x.query as { run?: unknown } | null)?.run === record.run);
      return e ? { tenant: record.dataset.tenant, id: record.dataset.id, epsilon: e.epsilon, delta: e.delta, ledger_seq: e.seq } : "pending";
    }
    const seq = record.budget.ledger_seq;
    const e = entries.find((x) => x.seq === seq);
    if (!e || (e.query as { run?: unknown } | null)?.run !== record.run) {
      throw new LlmosError("dp_resume_ledger", 409, `the budget ledger of dataset '${record.dataset.id}' lacks entry ${seq} of the DP run being resumed; refusing to train unaccounted`, { data: { ledger_seq: seq } });
    }
    return record.budget;
  } finally {
    store.close();
  }
}

/** The tensors of a checkpoint's optimizer.safetensors (sealed or not), without shape expectations. */
export async function readOptimizerFile(dir: string, sealer?: CheckpointSealer): Promise<Map<string, Float32Array>> {
  const path = join(dir, "optimizer.safetensors");
  if (existsSync(path + SEALED)) {
    if (!sealer) throw new CorruptFileError(path + SEALED, "is sealed (a private checkpoint); resume with --private and the same --data-dir");
    const bytes = sealer.open(new Uint8Array(await readFile(path + SEALED)), `${basename(dir)}/optimizer.safetensors`);
    return float32Tensors(decodeSafetensors(bytes, path + SEALED), path + SEALED);
  }
  return float32Tensors(await readSafetensors(path), path);
}

export function sameNumber(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** The resumed run must be the same mechanism: same data, same number of sequences, same plan. */
export function checkSameRun(r: DpRunRecord, sha256: string, n: number, plan: PrivacyPlan): void {
  if (sha256 !== r.data_sha256) throw new InvalidArgumentError("--data", "differs from the data the DP run being resumed was trained on (its SHA-256 changed); resume with the same files");
  if (n !== r.sequences) throw new InvalidArgumentError("--data", `packs into ${n} training sequences, the DP run being resumed had ${r.sequences}`);
  for (const k of ["noiseMultiplier", "samplingRate", "steps", "epsilon", "delta", "clip"] as const) {
    if (!sameNumber(plan[k], r.plan[k])) throw new LlmosError("dp_resume_mismatch", 409, `the recomputed privacy plan differs from the DP run being resumed (${k}: ${plan[k]} vs ${r.plan[k]})`, { data: { field: k } });
  }
  if (plan.accountant !== r.plan.accountant) throw new LlmosError("dp_resume_mismatch", 409, "the recomputed privacy plan uses another accountant than the DP run being resumed", { data: { field: "accountant" } });
}

/** Restores the optimizer moments (and LoRA adapters) of the checkpoint being resumed. */
export async function restore(ck: NonNullable<ResumePoint["checkpoint"]>, optimizer: DpOptimizer, adapters: LoraAdapters | undefined, config: LlamaConfig, sealer?: CheckpointSealer): Promise<void> {
  if (ck.dp.lora !== (adapters !== undefined)) throw new LlmosError("dp_resume_mismatch", 409, "the checkpoint being resumed was trained with a different --lora-rank setting", { data: { field: "lora" } });
  const isAdam = "loadState" in optimizer;
  if (!adapters) {
    if (isAdam) optimizer.loadState(await loadOptimizerState(ck.dir, config, sealer), ck.state.step);
    return;
  }
  const saved = await readOptimizerFile(ck.dir, sealer);
  for (const [name, v] of adapters.params) {
    const data = saved.get(`a.${name}`);
    if (!data || data.length !== v.size) throw new LlmosError("dp_resume_mismatch", 409, `the checkpoint being resumed lacks LoRA adapter '${name}' of this rank`, { data: { field: "lora" } });
    tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
  }
  if (isAdam) optimizer.loadState(saved, ck.state.step);
}
