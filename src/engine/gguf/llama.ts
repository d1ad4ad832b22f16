// The llama architecture in GGUF: metadata keys llama.cpp reads (llama.*, tokenizer.ggml.*),
// export of a native model's weights, and loading such a file back into a config and weights.
import { CorruptFileError, InvalidArgumentError } from "../../errors/index.ts";
import { headDim, tensorShapes, validateConfig, type LlamaConfig } from "../model/config.ts";
import { readGguf, readTensorF32 } from "./reader.ts";
import { FILE_TYPE_CODES, TENSOR_TYPE_CODES, type GgufFile, type GgufMetadataValue, type GgufTensorInput, type GgufTensorType } from "./types.ts";
import { writeGguf } from "./writer.ts";

/** A GPT-2-style byte-level BPE vocabulary, as llama.cpp's "gpt2" tokenizer model reads it. */
export interface GgufVocab {
  tokens: string[];
  /** llama_token_type per token: 1 normal, 3 control, 4 user-defined, 6 byte… */
  tokenTypes: number[];
  /** "left right" pairs, highest priority first. */
  merges: string[];
  bosId: number;
  eosId: number;
  /** tokenizer.ggml.pre: llama.cpp's pre-tokenizer name ("gpt-2", "llama-bpe"…). */
  pre: string;
}

function checkVocab(vocab: GgufVocab, vocabSize: number): void {
  const { tokens, tokenTypes, merges } = vocab;
  if (!Array.isArray(tokens) || tokens.length !== vocabSize) {
    throw new InvalidArgumentError("vocab.tokens", `must hold vocabSize (${vocabSize}) tokens, got ${Array.isArray(tokens) ? tokens.length : "none"}`);
  }
  const seen = new Set<string>();
  tokens.forEach((t, i) => {
    if (typeof t !== "string" || t.length === 0) throw new InvalidArgumentError(`vocab.tokens[${i}]`, "must be a non-empty string");
    if (seen.has(t)) throw new InvalidArgumentError(`vocab.tokens[${i}]`, "repeats an earlier token");
    seen.add(t);
  });
  if (!Array.isArray(tokenTypes) || tokenTypes.length !== tokens.length) {
    throw new InvalidArgumentError("vocab.tokenTypes", `must hold one type per token (${tokens.length})`);
  }
  tokenTypes.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t > 6) throw new InvalidArgumentError(`vocab.tokenTypes[${i}]`, `must be a llama token type 0–6, got ${JSON.stringify(t)}`);
  });
  if (!Array.isArray(merges)) throw new InvalidArgumentError("vocab.merges", "must be an array of strings");
  merges.forEach((m, i) => {
    // llama.cpp splits a merge at its first space after the first character.
    if (typeof m !== "string" || m.indexOf(" ", 1) < 1 || m.endsWith(" ")) {
      throw new InvalidArgumentError(`vocab.merges[${i}]`, "must be two tokens separated by a space");
    }
  });
  for (const [field, id] of [["vocab.bosId", vocab.bosId], ["vocab.eosId", vocab.eosId]] as const) {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new InvalidArgumentError(field, `must be a token id below ${vocabSize}, got ${JSON.stringify(id)}`);
  }
  if (typeof vocab.pre !== "string" || !/^[a-z0-9._-]+$/i.test(vocab.pre)) {
    throw new InvalidArgumentError("vocab.pre", "must be a pre-tokenizer name such as 'gpt-2'");
  }
}

const u32 = (value: number): GgufMetadataValue => ({ type: "uint32", value });
const f32 = (value: number): GgufMetadataValue => ({ type: "float32", value });
const str = (value: string): GgufMetadataValue => ({ type: "string", value });

/** Everything llama.cpp needs to run the model and its tokenizer, in the order its converter writes it. */
export function llamaMetadata(
  config: LlamaConfig,
  vocab: GgufVocab,
  opts: { name: string; fileType: GgufTensorType; extra?: Array<[string, GgufMetadataValue]> },
): Array<[string, GgufMetadataValue]> {
  const c = validateConfig(config);
  checkVocab(vocab, c.vocabSize);
  if (typeof opts.name !== "string" || opts.name.length === 0) throw new InvalidArgumentError("name", "must be a non-empty string");
  if (!Object.hasOwn(FILE_TYPE_CODES, opts.fileType)) throw new InvalidArgumentError("type", `must be f32, f16 or q8_0, got ${JSON.stringify(opts.fileType)}`);
  const meta: Array<[string, GgufMetadataValue]> = [
    ["general.architecture", str("llama")],
    ["general.name", str(opts.name)],
    ["general.alignment", u32(32)],
    ["general.file_type", u32(FILE_TYPE_CODES[opts.fileType])],
  ];
  // llama.cpp's converter marks quantised files with the ggml quantisation format version (2 since May 2023).
  if (opts.fileType === "q8_0") meta.push(["general.quantization_version", u32(2)]);
  meta.push(
    ["llama.vocab_size", u32(c.vocabSize)],
    ["llama.context_length", u32(c.contextLength)],
    ["llama.embedding_length", u32(c.dim)],
    ["llama.block_count", u32(c.nLayers)],
    ["llama.feed_forward_length", u32(c.ffnDim)],
    ["llama.rope.dimension_count", u32(headDim(c))],
    ["llama.attention.head_count", u32(c.nHeads)],
    ["llama.attention.head_count_kv", u32(c.nKvHeads)],
    ["llama.attention.layer_norm_rms_epsilon", f32(c.normEps)],
    ["llama.rope.freq_base", f32(c.ropeTheta)],
    ["tokenizer.ggml.model", str("gpt2")],
    ["tokenizer.ggml.pre", str(vocab.pre)],
    ["tokenizer.ggml.tokens", { type: "array", itemType: "string", value: [...vocab.tokens] }],
    ["tokenizer.ggml.token_type", { type: "array", itemType: "int32", value: [...vocab.tokenTypes] }],
    ["tokenizer.ggml.merges", { type: "array", itemType: "string", value: [...vocab.merges] }],
    ["tokenizer.ggml.bos_token_id", u32(vocab.bosId)],
    ["tokenizer.ggml.eos_token_id", u32(vocab.eosId)],
    // Prompts are encoded exactly as given: the native tokenizer adds no BOS either.
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: false }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
  );
  const keys = new Set(meta.map(([k]) => k));
  for (const [key, value] of opts.extra ?? []) {
    if (keys.has(key)) throw new InvalidArgumentError(`extra metadata '${key}'`, "is set by the llama export itself");
    keys.add(key);
    meta.push([key, value]);
  }
  return meta;
}

/** Export a model: 2-D tensors in `type`, 1-D norm weights always f32 (as llama.cpp's converter does). */
export async function exportLlamaGguf(opts: {
  path: string; config: LlamaConfig; weights: Map<string, Float32Array>; vocab: GgufVocab; type: GgufTensorType; name: string;
  extra?: Array<[string, GgufMetadataValue]>;
}): Promise<void> {
  const config = validateConfig(opts.config);
  if (!Object.hasOwn(TENSOR_TYPE_CODES, opts.type)) throw new InvalidArgumentError("type", `must be f32, f16 or q8_0, got ${JSON.stringify(opts.type)}`);
  if (opts.type === "q8_0" && (config.dim % 32 !== 0 || config.ffnDim % 32 !== 0)) {
    throw new InvalidArgumentError("type", `q8_0 needs dim and ffnDim to be multiples of 32 (got ${config.dim} and ${config.ffnDim}); use f16 or f32`);
  }
  const metadata = llamaMetadata(config, opts.vocab, { name: opts.name, fileType: opts.type, ...(opts.extra ? { extra: opts.extra } : {}) });
  const expected = tensorShapes(config);
  for (const name of opts.weights.keys()) {
    if (!expected.has(name)) throw new InvalidArgumentError(`weights '${name}'`, "is not a tensor of this llama config");
  }
  const tensors: GgufTensorInput[] = [];
  for (const [name, shape] of expected) {
    const data = opts.weights.get(name);
    if (!data) throw new InvalidArgumentError(`weights '${name}'`, "is missing");
    const count = shape.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new InvalidArgumentError(`weights '${name}'`, `has ${data.length} values, expected [${shape.join(", ")}] = ${count}`);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) throw new InvalidArgumentError(`weights '${name}'`, `value ${i} is not finite (${data[i]})`);
    }
    tensors.push({ name, shape, type: shape.length === 1 ? "f32" : opts.type, data });
  }
  await writeGguf(opts.path, metadata, tensors);
}

function need(file: GgufFile, key: string): GgufMetadataValue {
  const v = file.metadata.get(key);
  if (!v) throw new CorruptFileError(file.path, `metadata '${key}' is missing`);
  return v;
}

function intValue(file: GgufFile, key: string): number {
  const v = need(file, key);
  const n = typeof v.value === "bigint" ? Number(v.value) : v.value;
  if (v.type === "array" || typeof n !== "number" || !Number.isSafeInteger(n)) throw new CorruptFileError(file.path, `metadata '${key}' must be an integer`);
  return n;
}

function floatValue(file: GgufFile, key: string): number {
  const v = need(file, key);
  if ((v.type !== "float32" && v.type !== "float64") || typeof v.value !== "number") throw new CorruptFileError(file.path, `metadata '${key}' must be a float`);
  return v.value;
}

function arrayValue<T>(file: GgufFile, key: string, ok: (x: unknown) => x is T): T[] {
  const v = need(file, key);
  if (v.type !== "array" || !v.value.every(ok)) throw new CorruptFileError(file.path, `metadata '${key}' has the wrong type`);
  return v.value as T[];
}

const isString = (x: unknown): x is string => typeof x === "string";
const isInt = (x: unknown): x is number => typeof x === "number" && Number.isInteger(x);

/** Reads back a llama GGUF written by exportLlamaGguf into a config + dequantized weights. */
export async function loadLlamaGguf(path: string): Promise<{ config: LlamaConfig; weights: Map<string, Float32Array>; vocab: GgufVocab; file: GgufFile }> {
  const file = await readGguf(path);
  const arch = file.metadata.get("general.architecture")?.value;
  if (arch !== "llama") throw new CorruptFileError(path, `general.architecture must be 'llama', got ${typeof arch === "string" ? `'${arch.slice(0, 40)}'` : "none"}`);
  const model = file.metadata.get("tokenizer.ggml.model")?.value;
  if (model !== "gpt2") throw new CorruptFileError(path, "tokenizer.ggml.model must be 'gpt2' (byte-level BPE)");
  const tokens = arrayValue(file, "tokenizer.ggml.tokens", isString);
  const names = new Set(file.tensors.map((t) => t.name));
  let config: LlamaConfig;
  try {
    config = validateConfig({
      vocabSize: file.metadata.has("llama.vocab_size") ? intValue(file, "llama.vocab_size") : tokens.length,
      dim: intValue(file, "llama.embedding_length"),
      nLayers: intValue(file, "llama.block_count"),
      nHeads: intValue(file, "llama.attention.head_count"),
      nKvHeads: file.metadata.has("llama.attention.head_count_kv") ? intValue(file, "llama.attention.head_count_kv") : intValue(file, "llama.attention.head_count"),
      ffnDim: intValue(file, "llama.feed_forward_length"),
      contextLength: intValue(file, "llama.context_length"),
      normEps: floatValue(file, "llama.attention.layer_norm_rms_epsilon"),
      ropeTheta: file.metadata.has("llama.rope.freq_base") ? floatValue(file, "llama.rope.freq_base") : 10000,
      tieEmbeddings: !names.has("output.weight"),
    }, "llama metadata");
  } catch (cause) {
    if (cause instanceof InvalidArgumentError) throw new CorruptFileError(path, cause.message, { cause });
    throw cause;
  }
  if (file.metadata.has("llama.rope.dimension_count") && intValue(file, "llama.rope.dimension_count") !== headDim(config)) {
    throw new CorruptFileError(path, "llama.rope.dimension_count differs from the head dimension (partial rotary embeddings are not supported)");
  }
  if (tokens.length !== config.vocabSize) throw new CorruptFileError(path, `tokenizer.ggml.tokens has ${tokens.length} tokens but llama.vocab_size is ${config.vocabSize}`);

  const expected = tensorShapes(config);
  for (const t of file.tensors) {
    const shape = expected.get(t.name);
    if (!shape) throw new CorruptFileError(path, `unexpected tensor '${t.name.slice(0, 64)}' for a llama model of this config`);
    if (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i])) {
      throw new CorruptFileError(path, `tensor '${t.name}' has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}]`);
    }
  }
  const weights = new Map<string, Float32Array>();
  for (const name of expected.keys()) {
    if (!names.has(name)) throw new CorruptFileError(path, `tensor '${name}' is missing`);
    weights.set(name, await readTensorF32(file, name));
  }
  const vocab: GgufVocab = {
    tokens,
    tokenTypes: file.metadata.has("tokenizer.ggml.token_type") ? arrayValue(file, "tokenizer.ggml.token_type", isInt) : tokens.map(() => 1),
    merges: file.metadata.has("tokenizer.ggml.merges") ? arrayValue(file, "tokenizer.ggml.merges", isString) : [],
    bosId: intValue(file, "tokenizer.ggml.bos_token_id"),
    eosId: intValue(file, "tokenizer.ggml.eos_token_id"),
    pre: typeof file.metadata.get("tokenizer.ggml.pre")?.value === "string" ? (file.metadata.get("tokenizer.ggml.pre")!.value as string) : "default",
  };
  return { config, weights, vocab, file };
}
