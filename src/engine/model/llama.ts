// The llama-architecture transformer on tfjs, computing what llama.cpp's llm_build_llama computes
// for general.architecture = "llama": token embedding, per block RMSNorm → Q/K/V → RoPE (normal
// mode) → causal grouped-query attention scaled by 1/sqrt(headDim) → output projection → residual,
// RMSNorm → SwiGLU feed-forward → residual; then output_norm and the head (output.weight, or
// token_embd.weight when tied). Weights live under their GGUF tensor names.
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, LimitExceededError } from "../../errors/index.ts";
import { headDim, tensorShapes, validateConfig, type LlamaConfig } from "./config.ts";
import { attention } from "./attention.ts";
import { KvCache } from "./cache.ts";
import { crossEntropy, embedding, linear, rmsNorm, swiglu } from "./ops.ts";
import { hashString, Prng } from "./prng.ts";
import { applyRope, ropeTable, type RopeTable } from "./rope.ts";
import { sampleToken, validateSampling, type SamplingOptions } from "./sampling.ts";

export { KvCache } from "./cache.ts";

export interface GenerateOptions extends SamplingOptions {
  /** New tokens to produce at most. */
  maxTokens: number;
  /** 0 (the default) = greedy. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 or unset = all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches topP (unset or 1 = all). */
  topP?: number;
  /** Seed of the sampling PRNG; unset = a random seed. */
  seed?: number;
  /** Generation ends when one of these is sampled; the stop token is not returned. */
  stopTokens?: number[];
  /** Called with each new token as it is produced. */
  onToken?: (id: number) => void;
}

/** Std of the normal init of matrices (GPT-2, Llama); residual projections get 1/sqrt(2·layers) of it. */
const INIT_STD = 0.02;

let modelCounter = 0;

export class LlamaModel {
  readonly config: LlamaConfig;
  readonly params: Map<string, tf.Variable>;
  private readonly rope: RopeTable;
  private disposed = false;

  private constructor(config: LlamaConfig, values: Map<string, Float32Array>) {
    this.config = config;
    this.rope = ropeTable(headDim(config), config.ropeTheta, config.contextLength);
    // tfjs variable names are process-global, so each model gets its own prefix.
    const prefix = `llama${++modelCounter}/`;
    this.params = new Map();
    for (const [name, shape] of tensorShapes(config)) {
      const init = tf.tensor(values.get(name)!, shape, "float32");
      this.params.set(name, tf.variable(init, true, prefix + name));
      init.dispose();
    }
  }

  /** Fresh weights: normal(0, 0.02) matrices (residual projections scaled down), unit norm gains. */
  static create(config: LlamaConfig, opts: { seed: number }): LlamaModel {
    const cfg = validateConfig(config);
    if (!Number.isInteger(opts.seed)) throw new InvalidArgumentError("seed", "must be an integer");
    const values = new Map<string, Float32Array>();
    const residualStd = INIT_STD / Math.sqrt(2 * cfg.nLayers);
    for (const [name, shape] of tensorShapes(cfg)) {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      if (shape.length === 1) {
        data.fill(1);
      } else {
        // One stream per tensor name, so a tensor's init does not depend on the others.
        const rng = new Prng(opts.seed, hashString(name));
        const std = /attn_output|ffn_down/.test(name) ? residualStd : INIT_STD;
        for (let i = 0; i < size; i++) data[i] = rng.nextNormal() * std;
      }
      values.set(name, data);
    }
    return new LlamaModel(cfg, values);
  }

  /** Wraps given weights (copied), checking that names and sizes match the config exactly. */
  static fromWeights(config: LlamaConfig, weights: Map<string, Float32Array>): LlamaModel {
    const cfg = validateConfig(config);
    const shapes = tensorShapes(cfg);
    for (const name of weights.keys()) {
      if (!shapes.has(name)) {
        throw new InvalidArgumentError(`weights[${JSON.stringify(name.slice(0, 80))}]`, `is not a tensor of this llama config (expected names like "blk.0.attn_q.weight"; tieEmbeddings=${cfg.tieEmbeddings})`);
      }
    }
    for (const [name, shape] of shapes) {
      const data = weights.get(name);
      const field = `weights["${name}"]`;
      if (data === undefined) throw new InvalidArgumentError(field, "is missing");
      if (!(data instanceof Float32Array)) throw new InvalidArgumentError(field, "must be a Float32Array");
      const size = shape.reduce((a, b) => a * b, 1);
      if (data.length !== size) {
        throw new InvalidArgumentError(field, `has ${data.length} values, expected ${size} for shape [${shape.join(", ")}]`);
      }
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i]!)) throw new InvalidArgumentError(field, `holds a non-finite value at index ${i}`);
      }
    }
    return new LlamaModel(cfg, weights);
  }

  /** Copies of the current values, keyed by GGUF tensor name. */
  weights(): Map<string, Float32Array> {
    this.alive();
    const out = new Map<string, Float32Array>();
    for (const [name, v] of this.params) out.set(name, new Float32Array(v.dataSync() as Float32Array));
    return out;
  }

  /** tokens: int32 [B, T+1]; mean next-token cross-entropy over the B·T predicted positions. */
  loss(tokens: tf.Tensor2D): tf.Scalar {
    this.alive();
    if (!(tokens instanceof tf.Tensor) || tokens.rank !== 2 || tokens.dtype !== "int32") {
      throw new InvalidArgumentError("tokens", "must be an int32 tensor of shape [batch, seqLen + 1]");
    }
    const [B, cols] = tokens.shape;
    const T = cols - 1;
    if (B < 1 || T < 1) throw new InvalidArgumentError("tokens", `needs at least 1 row and 2 columns, got [${B}, ${cols}]`);
    if (T > this.config.contextLength) throw new LimitExceededError("sequence length", T, this.config.contextLength);
    const data = tokens.dataSync() as Int32Array;
    this.checkIds(data, "tokens");
    const inputs = new Int32Array(B * T);
    const targets = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      inputs.set(data.subarray(b * cols, b * cols + T), b * T);
      targets.set(data.subarray(b * cols + 1, b * cols + cols), b * T);
    }
    return tf.tidy(() => crossEntropy(linear(this.forward(inputs, B, T, 0), this.head()), targets));
  }

  /** Full forward without cache: logits for every position, [T][vocab]. */
  logits(tokens: number[]): Float32Array[] {
    this.alive();
    this.checkSequence(tokens, "tokens", 0);
    const T = tokens.length;
    const V = this.config.vocabSize;
    // Read outside tidy: tidy walks a returned typed array element by element looking for tensors.
    const out = tf.tidy(() => linear(this.forward(Int32Array.from(tokens), 1, T, 0), this.head()));
    const flat = out.dataSync() as Float32Array;
    out.dispose();
    return Array.from({ length: T }, (_, t) => flat.slice(t * V, t * V + V));
  }

  createCache(): KvCache {
    this.alive();
    return new KvCache(this, this.config.nLayers);
  }

  /** Feeds tokens at the cache's position (a prompt chunk or one token); returns the last token's logits. */
  forwardCached(cache: KvCache, tokens: number[]): Float32Array {
    this.alive();
    if (!(cache instanceof KvCache) || cache.owner !== this) throw new InvalidArgumentError("cache", "was not created by this model's createCache()");
    if (cache.isDisposed) throw new InvalidArgumentError("cache", "has been disposed");
    this.checkSequence(tokens, "tokens", cache.position);
    const n = tokens.length;
    const fresh: tf.Tensor4D[][] = [];
    try {
      const out = tf.tidy(() => {
        const hidden = this.forward(Int32Array.from(tokens), 1, n, cache.position, cache, fresh);
        const last = n === 1 ? hidden : tf.slice(hidden, [n - 1, 0], [1, this.config.dim]);
        return linear(last, this.head());
      });
      const logits = new Float32Array(out.dataSync() as Float32Array);
      out.dispose();
      fresh.forEach(([k, v], l) => cache.store(l, k!, v!));
      cache.position += n;
      return logits;
    } catch (e) {
      for (const pair of fresh) tf.dispose(pair);
      throw e;
    }
  }

  /** Samples up to maxTokens new tokens after the prompt; returns only the new tokens. */
  generate(prompt: number[], opts: GenerateOptions): number[] {
    this.alive();
    const { maxTokens } = opts;
    if (!Number.isInteger(maxTokens) || maxTokens < 0) throw new InvalidArgumentError("maxTokens", "must be an integer ≥ 0");
    validateSampling(opts);
    if (opts.seed !== undefined && !Number.isInteger(opts.seed)) throw new InvalidArgumentError("seed", "must be an integer");
    if (prompt.length + maxTokens > this.config.contextLength) {
      throw new LimitExceededError("prompt tokens + maxTokens", prompt.length + maxTokens, this.config.contextLength);
    }
    this.checkSequence(prompt, "prompt", 0);
    const stops = new Set(opts.stopTokens ?? []);
    const rng = new Prng(opts.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]!);
    const out: number[] = [];
    if (maxTokens === 0) return out;
    const cache = this.createCache();
    try {
      let logits = this.forwardCached(cache, prompt);
      for (;;) {
        const id = sampleToken(logits, opts, rng);
        if (stops.has(id)) break;
        out.push(id);
        opts.onToken?.(id);
        if (out.length >= maxTokens) break;
        logits = this.forwardCached(cache, [id]);
      }
    } finally {
      cache.dispose();
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.params.values()) v.dispose();
  }

  private alive(): void {
    if (this.disposed) throw new InvalidArgumentError("model", "has been disposed");
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`internal: no parameter '${name}'`);
    return v;
  }

  private head(): tf.Tensor2D {
    return this.p(this.config.tieEmbeddings ? "token_embd.weight" : "output.weight") as tf.Tensor2D;
  }

  private checkIds(ids: ArrayLike<number>, field: string): void {
    const V = this.config.vocabSize;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= V) {
        throw new InvalidArgumentError(field, `token at index ${i} is not an id in [0, ${V})`);
      }
    }
  }

  private checkSequence(tokens: number[], field: string, start: number): void {
    if (!Array.isArray(tokens) || tokens.length === 0) throw new InvalidArgumentError(field, "must be a non-empty array of token ids");
    if (start + tokens.length > this.config.contextLength) {
      throw new LimitExceededError(start === 0 ? "token count" : "cache position + token count", start + tokens.length, this.config.contextLength);
    }
    this.checkIds(tokens, field);
  }

  /**
   * Hidden states after output_norm, [B·T, dim], for tokens at positions start..start+T−1. With a
   * cache, attention also sees the cached positions, and each layer's full keys/values (kept, so
   * they outlive the caller's tidy) are pushed to `fresh` for the caller to store.
   */
  private forward(ids: Int32Array, B: number, T: number, start: number, cache?: KvCache, fresh?: tf.Tensor4D[][]): tf.Tensor2D {
    const c = this.config;
    const hd = headDim(c);
    const N = B * T;
    const scale = 1 / Math.sqrt(hd);
    let x = embedding(this.p("token_embd.weight") as tf.Tensor2D, ids);
    for (let l = 0; l < c.nLayers; l++) {
      const w = (s: string) => this.p(`blk.${l}.${s}.weight`) as tf.Tensor2D;
      const h = rmsNorm(x, this.p(`blk.${l}.attn_norm.weight`) as tf.Tensor1D, c.normEps);
      // llama.cpp scales q·k inside its softmax; scaling q first differs only by float rounding.
      const q = tf.mul(applyRope(tf.reshape(linear(h, w("attn_q")), [B, T, c.nHeads, hd]), this.rope, start), scale) as tf.Tensor4D;
      let k = applyRope(tf.reshape(linear(h, w("attn_k")), [B, T, c.nKvHeads, hd]), this.rope, start);
      let v = tf.reshape(linear(h, w("attn_v")), [B, T, c.nKvHeads, hd]) as tf.Tensor4D;
      if (cache) {
        const pastK = cache.keys[l];
        const pastV = cache.values[l];
        if (pastK && pastV) {
          k = tf.concat([pastK, k], 1);
          v = tf.concat([pastV, v], 1);
        }
        fresh?.push([tf.keep(k), tf.keep(v)]);
      }
      const a = tf.reshape(attention(q, k, v), [N, c.dim]) as tf.Tensor2D;
      x = tf.add(x, linear(a, w("attn_output")));
      const h2 = rmsNorm(x, this.p(`blk.${l}.ffn_norm.weight`) as tf.Tensor1D, c.normEps);
      x = tf.add(x, linear(swiglu(linear(h2, w("ffn_gate")), linear(h2, w("ffn_up"))), w("ffn_down")));
    }
    return rmsNorm(x, this.p("output_norm.weight") as tf.Tensor1D, c.normEps);
  }
}
