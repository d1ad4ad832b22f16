// Where a DP run starts: a fresh model of a preset/config, or the weights and tokenizer of an
// existing model to fine-tune (a training checkpoint directory, or a llama GGUF such as the shipped
// default model).
import { existsSync } from "node:fs";
import { InvalidArgumentError } from "../../errors/index.ts";
import { loadLlamaGguf } from "../../engine/gguf/index.ts";
import { resolvePreset, validateConfig, type LlamaConfig } from "../../engine/model/index.ts";
import { BpeTokenizer } from "../../engine/tokenizer/index.ts";
import { loadCheckpoint, type CheckpointSealer } from "../../engine/train/index.ts";
import { readFile } from "node:fs/promises";

export interface BaseModel {
  config: LlamaConfig;
  /** Absent for a fresh model. */
  weights?: Map<string, Float32Array>;
  tokenizer: BpeTokenizer;
  /** What was loaded (path), or null for a fresh model. */
  from: string | null;
}

export async function loadBase(o: { from?: string; config?: string; tokenizer?: string; sealer?: CheckpointSealer }): Promise<BaseModel> {
  if (o.from) {
    if (o.config) throw new InvalidArgumentError("--config", "does not apply with --from (the base model fixes the architecture)");
    if (/\.gguf$/i.test(o.from)) {
      const g = await loadLlamaGguf(o.from);
      const tokenizer = BpeTokenizer.fromJSON({ type: "byte-bpe", version: 1, pre: g.vocab.pre, tokens: g.vocab.tokens, merges: g.vocab.merges, special: { "<|endoftext|>": g.vocab.eosId } });
      return { config: g.config, weights: g.weights, tokenizer, from: o.from };
    }
    const ck = await loadCheckpoint(o.from, o.sealer);
    return { config: ck.config, weights: ck.weights, tokenizer: ck.tokenizer, from: ck.dir };
  }
  if (!o.config) throw new InvalidArgumentError("--config", "give a preset (tiny, default) or a config .json file, or --from an existing model");
  // A tokenizer fitted on the private corpus would itself leak it (its merges are not DP), so a
  // fresh DP model takes a tokenizer trained elsewhere.
  if (!o.tokenizer) throw new InvalidArgumentError("--tokenizer", "DP training from scratch needs a tokenizer not fitted on the private data; give --tokenizer tok.json or --from a model");
  const tokenizer = await BpeTokenizer.load(o.tokenizer);
  let preset: Record<string, unknown>;
  if (/\.json$/i.test(o.config)) {
    if (!existsSync(o.config)) throw new InvalidArgumentError("--config", `file ${o.config} does not exist`);
    preset = JSON.parse(await readFile(o.config, "utf8")) as Record<string, unknown>;
  } else {
    preset = resolvePreset(o.config) as unknown as Record<string, unknown>;
  }
  const config = validateConfig({ ...preset, vocabSize: tokenizer.vocabSize }, "--config");
  return { config, tokenizer, from: null };
}
