// Lineage read from the model card a training run writes next to its GGUF (model-card.json): the
// privacy guarantee, the training data's hash and the base model, so the registry keeps them.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CorruptFileError } from "../errors/index.ts";
import type { Lineage } from "./registry.ts";

export const MODEL_CARD_FILE = "model-card.json";

interface CardShape {
  base?: string | null;
  privacy?: { epsilon?: number; delta?: number; [k: string]: unknown };
  dataset?: { sha256?: string; files?: string[] };
}

/** The lineage a card beside `gguf` states, or undefined when there is no card. */
export function lineageFromCard(gguf: string): Lineage | undefined {
  const path = join(dirname(gguf), MODEL_CARD_FILE);
  if (!existsSync(path)) return undefined;
  let card: CardShape;
  try {
    card = JSON.parse(readFileSync(path, "utf8")) as CardShape;
  } catch (cause) {
    throw new CorruptFileError(path, "is not valid JSON", { cause });
  }
  const lineage: Lineage = {};
  if (card.base) lineage.parent = card.base;
  if (card.dataset?.sha256) lineage.trainingData = { sha256: card.dataset.sha256, description: `${card.dataset.files?.length ?? 0} file(s)` };
  const p = card.privacy;
  if (p && typeof p.epsilon === "number" && typeof p.delta === "number") lineage.privacy = { ...p, epsilon: p.epsilon, delta: p.delta };
  return lineage;
}
