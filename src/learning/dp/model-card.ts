// The model card of a DP-trained model: the (ε, δ) guarantee with everything needed to re-derive
// it (accountant, σ, q, steps, C) and the dataset's hash, written as model-card.json next to the
// checkpoint and next to an exported GGUF.
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { exportLlamaGguf, type GgufTensorType } from "../../engine/gguf/index.ts";
import { loadCheckpoint, resolveCheckpointDir, type CheckpointSealer } from "../../engine/train/index.ts";
import { exportLoraGguf, loadLora } from "./lora-gguf.ts";
import { writeFileAtomic } from "../../store/index.ts";
import type { PrivacyPlan } from "./privacy.ts";

export const MODEL_CARD = "model-card.json";

export interface ModelCard {
  format: "llmos-model-card/1";
  created: string;
  architecture: "llama";
  base: string | null;
  privacy: {
    epsilon: number;
    delta: number;
    accountant: string;
    noise_multiplier: number;
    sampling_rate: number;
    steps: number;
    clip: number;
    /** What one unit of privacy is: a training sequence of seq_len + 1 tokens. */
    unit: string;
    target_epsilon: number | null;
    calibrated: boolean;
  };
  dataset: {
    sha256: string;
    files: string[];
    tokens: number;
    sequences: number;
    scrubbed: boolean;
    budget: { tenant: string; id: string; epsilon: number; delta: number; ledger_seq: number } | null;
  };
  training: Record<string, unknown>;
}

export function privacySection(plan: PrivacyPlan, steps: number, epsilonSpent: number, seqLen: number, target: number | undefined): ModelCard["privacy"] {
  return {
    epsilon: epsilonSpent, delta: plan.delta, accountant: plan.accountant, noise_multiplier: plan.noiseMultiplier,
    sampling_rate: plan.samplingRate, steps, clip: plan.clip, unit: `sequence of ${seqLen + 1} tokens`,
    target_epsilon: target ?? null, calibrated: plan.calibrated,
  };
}

export async function writeModelCard(dir: string, card: ModelCard): Promise<string> {
  const path = join(dir, MODEL_CARD);
  await writeFileAtomic(path, `${JSON.stringify(card, null, 2)}\n`);
  return path;
}

/** Exports a DP checkpoint as GGUF and copies its model card next to the GGUF file. */
export async function exportDpGguf(checkpoint: string, ggufPath: string, type: GgufTensorType = "f16", name = "llmos-dp", sealer?: CheckpointSealer): Promise<{ gguf: string; card: string }> {
  const ck = await loadCheckpoint(checkpoint, sealer);
  await mkdir(dirname(resolve(ggufPath)), { recursive: true });
  await exportLlamaGguf({ path: ggufPath, config: ck.config, weights: ck.weights, vocab: ck.tokenizer, type, name });
  const card = join(dirname(resolve(ggufPath)), MODEL_CARD);
  await copyFile(join(ck.dir, MODEL_CARD), card);
  return { gguf: ggufPath, card };
}

/** Exports a LoRA DP checkpoint's adapters as a GGUF LoRA adapter (llama.cpp applies it on the base), card beside it. */
export async function exportDpLoraGguf(checkpoint: string, adapterPath: string, name = "llmos-dp-lora", sealer?: CheckpointSealer): Promise<{ gguf: string; card: string }> {
  const dir = await resolveCheckpointDir(checkpoint);
  await mkdir(dirname(resolve(adapterPath)), { recursive: true });
  await exportLoraGguf(adapterPath, await loadLora(dir, sealer), name);
  const card = join(dirname(resolve(adapterPath)), MODEL_CARD);
  await copyFile(join(dir, MODEL_CARD), card);
  return { gguf: adapterPath, card };
}
