// Llama-architecture hyper-parameters, the named presets, and their validation.
import { InvalidArgumentError, NotFoundError } from "../../errors/index.ts";

export interface LlamaConfig {
  /** Number of token ids, including special tokens. */
  vocabSize: number;
  /** Width of the residual stream (llama.embedding_length). */
  dim: number;
  /** Number of transformer blocks (llama.block_count). */
  nLayers: number;
  /** Query heads (llama.attention.head_count). */
  nHeads: number;
  /** Key/value heads; < nHeads means grouped-query attention (llama.attention.head_count_kv). */
  nKvHeads: number;
  /** Hidden width of the SwiGLU feed-forward (llama.feed_forward_length). */
  ffnDim: number;
  /** Maximum sequence length (llama.context_length). */
  contextLength: number;
  /** RMSNorm epsilon (llama.attention.layer_norm_rms_epsilon). */
  normEps: number;
  /** RoPE base frequency (llama.rope.freq_base). */
  ropeTheta: number;
  /** Output head shares the token-embedding matrix (no output.weight tensor). */
  tieEmbeddings: boolean;
}

/** A preset fixes everything but the vocabulary, which comes from the tokenizer. */
export type LlamaPreset = Omit<LlamaConfig, "vocabSize">;

// Widths are multiples of 32 so every matrix row splits into whole Q8_0 blocks.
export const PRESETS: Readonly<Record<string, LlamaPreset>> = {
  // ≈100K parameters with a 512-token vocabulary: trains in seconds, what tests use.
  tiny: {
    dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 128,
    contextLength: 128, normEps: 1e-5, ropeTheta: 10000, tieEmbeddings: true,
  },
  // The shipped default model (see scripts/train-default.ts): 1.3M parameters with a 4096 vocabulary,
  // sized so that ~45 min on one wasm thread (~1,350 train tokens/s measured) sees SOTU about 1.5 times.
  default: {
    dim: 128, nLayers: 4, nHeads: 4, nKvHeads: 2, ffnDim: 384,
    contextLength: 256, normEps: 1e-5, ropeTheta: 10000, tieEmbeddings: true,
  },
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

export function resolvePreset(name: string): LlamaPreset {
  const preset = PRESETS[name];
  if (!preset) throw new NotFoundError("preset", name, `known presets: ${presetNames().join(", ")}`);
  return { ...preset };
}

function positiveInt(field: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw new InvalidArgumentError(field, `must be a positive integer, got ${JSON.stringify(v)}`);
  }
}

function positiveNumber(field: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new InvalidArgumentError(field, `must be a positive number, got ${JSON.stringify(v)}`);
  }
}

/** Checks every field of a config (e.g. one read from a user's JSON file) and returns it typed. */
export function validateConfig(raw: unknown, where = "config"): LlamaConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new InvalidArgumentError(where, "must be a JSON object");
  }
  const c = raw as Record<string, unknown>;
  for (const f of ["vocabSize", "dim", "nLayers", "nHeads", "nKvHeads", "ffnDim", "contextLength"]) {
    positiveInt(`${where}.${f}`, c[f]);
  }
  positiveNumber(`${where}.normEps`, c.normEps);
  positiveNumber(`${where}.ropeTheta`, c.ropeTheta);
  if (typeof c.tieEmbeddings !== "boolean") {
    throw new InvalidArgumentError(`${where}.tieEmbeddings`, "must be true or false");
  }
  const cfg = c as unknown as LlamaConfig;
  if (cfg.dim % cfg.nHeads !== 0) {
    throw new InvalidArgumentError(`${where}.nHeads`, `must divide dim (${cfg.dim}), got ${cfg.nHeads}`);
  }
  if (cfg.nHeads % cfg.nKvHeads !== 0) {
    throw new InvalidArgumentError(`${where}.nKvHeads`, `must divide nHeads (${cfg.nHeads}), got ${cfg.nKvHeads}`);
  }
  if ((cfg.dim / cfg.nHeads) % 2 !== 0) {
    throw new InvalidArgumentError(`${where}.nHeads`, "head dimension (dim / nHeads) must be even for rotary embeddings");
  }
  const known = new Set(["vocabSize", "dim", "nLayers", "nHeads", "nKvHeads", "ffnDim", "contextLength", "normEps", "ropeTheta", "tieEmbeddings"]);
  for (const k of Object.keys(c)) {
    if (!known.has(k)) throw new InvalidArgumentError(`${where}.${k}`, "unknown field");
  }
  return {
    vocabSize: cfg.vocabSize, dim: cfg.dim, nLayers: cfg.nLayers, nHeads: cfg.nHeads, nKvHeads: cfg.nKvHeads,
    ffnDim: cfg.ffnDim, contextLength: cfg.contextLength, normEps: cfg.normEps, ropeTheta: cfg.ropeTheta,
    tieEmbeddings: cfg.tieEmbeddings,
  };
}

export function headDim(c: LlamaConfig): number {
  return c.dim / c.nHeads;
}

/** Parameter count, as the GGUF export will hold it. */
export function parameterCount(c: LlamaConfig): number {
  const hd = headDim(c);
  const attn = c.dim * c.dim * 2 + c.dim * c.nKvHeads * hd * 2;
  const ffn = 3 * c.dim * c.ffnDim;
  const perLayer = attn + ffn + 2 * c.dim;
  const embed = c.vocabSize * c.dim;
  return embed + c.nLayers * perLayer + c.dim + (c.tieEmbeddings ? 0 : embed);
}

/**
 * Tensor names and shapes as stored in GGUF and checkpoints. Shapes are row-major
 * (outermost first): a linear layer's weight is [out, in] as in PyTorch, which is ggml's
 * ne = [in, out], so export needs no transposition.
 */
export function tensorShapes(c: LlamaConfig): Map<string, number[]> {
  const hd = headDim(c);
  const kv = c.nKvHeads * hd;
  const m = new Map<string, number[]>();
  m.set("token_embd.weight", [c.vocabSize, c.dim]);
  for (let i = 0; i < c.nLayers; i++) {
    m.set(`blk.${i}.attn_norm.weight`, [c.dim]);
    m.set(`blk.${i}.attn_q.weight`, [c.dim, c.dim]);
    m.set(`blk.${i}.attn_k.weight`, [kv, c.dim]);
    m.set(`blk.${i}.attn_v.weight`, [kv, c.dim]);
    m.set(`blk.${i}.attn_output.weight`, [c.dim, c.dim]);
    m.set(`blk.${i}.ffn_norm.weight`, [c.dim]);
    m.set(`blk.${i}.ffn_gate.weight`, [c.ffnDim, c.dim]);
    m.set(`blk.${i}.ffn_up.weight`, [c.ffnDim, c.dim]);
    m.set(`blk.${i}.ffn_down.weight`, [c.dim, c.ffnDim]);
  }
  m.set("output_norm.weight", [c.dim]);
  if (!c.tieEmbeddings) m.set("output.weight", [c.vocabSize, c.dim]);
  return m;
}
