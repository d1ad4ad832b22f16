// A GGUF model served by llama.cpp through node-llama-cpp: text generation (streamed), tokenization and raw logits.
import { stat } from "node:fs/promises";
import { LlamaCompletion, type LlamaContext, type LlamaContextSequence, type LlamaEmbeddingContext, type LlamaModel } from "node-llama-cpp";
import { CorruptFileError, InvalidArgumentError, LimitExceededError, LlmosError, NotFoundError } from "../../errors/index.ts";
import { renderChatPrompt, withChatStops } from "../chat.ts";
import type { EmbeddingResult, GenerationInput, ModelRuntime } from "../spec.ts";
import { readGguf } from "../../engine/gguf/index.ts";
import { validateGenerationOptions } from "../options.ts";
import type { FinishReason, GenerationOptions, StreamPart } from "../stream.ts";
import { sharedLlama } from "./llama.ts";
import { AsyncQueue } from "./queue.ts";

export interface LoadOptions {
  /** Context size in tokens per sequence; defaults to the model's trained context length. */
  contextSize?: number;
  /** Parallel sequences (continuous-batching slots); default 1. */
  slots?: number;
  /** KV cache precision: F16 (llama.cpp's default, half the memory) or F32 (bit-level parity tests). */
  kvCache?: "f16" | "f32";
  /** CPU threads for evaluation (0 = all cores). */
  threads?: number;
}

export class LlamaCppModel implements ModelRuntime {
  readonly kind = "llamacpp" as const;
  readonly embeddings = true;
  // Continuous batching: one context holds the sequences; llama.cpp evaluates the pending tokens of
  // every active sequence in one batch. Clearing a used sequence needs the context's lock, which
  // node-llama-cpp's batch loop holds for as long as any sequence keeps decoding, so a request that
  // cleared its sequence first would wait for the others to finish (measured: ~330 ms at 16 clients).
  // Instead a finished sequence is cleared in the background and the context has twice as many
  // sequences as slots: a new request takes one that is already clean.
  private readonly clean: LlamaContextSequence[] = [];
  private readonly waiting: ((s: LlamaContextSequence) => void)[] = [];
  private embedder: Promise<LlamaEmbeddingContext> | undefined;
  private disposed = false;

  private constructor(
    readonly path: string,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    /** Number of token ids (length of tokenizer.ggml.tokens). */
    readonly vocabSize: number,
    readonly slots: number,
  ) {
    for (let i = 0; i < context.totalSequences; i++) this.clean.push(context.getSequence());
  }

  private giveBack(sequence: LlamaContextSequence): void {
    const next = this.waiting.shift();
    if (next) next(sequence);
    else this.clean.push(sequence);
  }

  /** A clean sequence (waiting for one if needed) and the function that returns it once used. */
  private async acquire(): Promise<{ sequence: LlamaContextSequence; release: () => void }> {
    if (this.disposed) throw new LlmosError("model_unloaded", 503, `${this.path}: model was unloaded; retry the request`);
    const sequence = this.clean.pop() ?? (await new Promise<LlamaContextSequence>((r) => this.waiting.push(r)));
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (sequence.nextTokenIndex === 0) return this.giveBack(sequence);
      sequence.clearHistory().then(
        () => this.giveBack(sequence),
        () => undefined, // the context is being disposed
      );
    };
    return { sequence, release };
  }

  static async load(path: string, opts: LoadOptions = {}): Promise<LlamaCppModel> {
    let fileBytes: number;
    try {
      fileBytes = (await stat(path)).size;
    } catch {
      throw new NotFoundError("model file", path, "check the path");
    }
    // Parse the header ourselves first: llama.cpp's own errors on a corrupt file are vague.
    const file = await readGguf(path);
    const arch = file.metadata.get("general.architecture")?.value;
    if (typeof arch !== "string") throw new CorruptFileError(path, "no general.architecture in the GGUF metadata");
    const tokens = file.metadata.get("tokenizer.ggml.tokens");
    const vocabSize = tokens?.type === "array" ? tokens.value.length : 0;
    const llama = await sharedLlama();
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: path, gpuLayers: llama.gpu === false ? 0 : "auto" });
    } catch (cause) {
      throw new CorruptFileError(path, `llama.cpp could not load it (${(cause as Error).message})`, { cause });
    }
    const slots = opts.slots ?? 1;
    if (!Number.isInteger(slots) || slots < 1 || slots > 64) throw new InvalidArgumentError("slots", `must be an integer in [1, 64], got ${slots}`);
    try {
      const trained = model.trainContextSize;
      const contextSize = Math.min(opts.contextSize ?? trained, trained);
      const context = await model.createContext({
        contextSize,
        sequences: 2 * slots,
        flashAttention: false,
        // Small models decode faster on one thread: measured on the 2-core CI machine with the default
        // model, 1 thread gave ~1500 tokens/s while 2 threads (spin-waiting against any other load) fell
        // below 100. Models over 256 MiB use every core.
        threads: opts.threads ?? (fileBytes < 256 * 1024 * 1024 ? 1 : 0),
        // The F16 cache rounds keys and values; the parity test compares logits to 1e-3 and asks for F32.
        ...(opts.kvCache === "f32" ? { experimentalKvCacheKeyType: "F32" as const, experimentalKvCacheValueType: "F32" as const } : {}),
      });
      return new LlamaCppModel(path, model, context, vocabSize, slots);
    } catch (cause) {
      await model.dispose();
      throw new LlmosError("model_not_loadable", 503, `${path}: could not create a context (${(cause as Error).message})`, { cause });
    }
  }

  get contextSize(): number {
    return this.context.contextSize;
  }

  tokenize(text: string): number[] {
    return Array.from(this.model.tokenize(text, false), Number);
  }

  detokenize(ids: number[]): string {
    return this.model.detokenize(ids as never, false);
  }

  /** Streams a completion of `prompt`; errors travel as a final `error` part. */
  async *stream(input: string | GenerationInput, options: GenerationOptions): AsyncGenerator<StreamPart> {
    const chat = typeof input !== "string" && "messages" in input;
    const prompt = typeof input === "string" ? input : "messages" in input ? renderChatPrompt(input.messages) : input.prompt;
    let o: GenerationOptions;
    try {
      o = validateGenerationOptions(options);
    } catch (error) {
      yield { type: "error", error: error as Error };
      return;
    }
    const stops = chat ? withChatStops(o.stop) : o.stop;
    const promptTokens = this.tokenize(prompt).length;
    if (promptTokens === 0) {
      yield { type: "error", error: new LlmosError("invalid_argument", 400, "prompt: must not be empty") };
      return;
    }
    if (promptTokens + 1 > this.contextSize) {
      yield { type: "error", error: new LimitExceededError("prompt length in tokens", promptTokens, this.contextSize - 1) };
      return;
    }
    const maxTokens = Math.min(o.maxTokens, this.contextSize - promptTokens);
    const queue = new AsyncQueue<StreamPart>();
    let slot: Awaited<ReturnType<LlamaCppModel["acquire"]>>;
    try {
      slot = await this.acquire();
    } catch (error) {
      yield { type: "error", error: error as Error };
      return;
    }
    const { sequence, release } = slot;
    const completion = new LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
    let completionTokens = 0;
    const run = completion
      .generateCompletionWithMeta(prompt, {
        maxTokens,
        temperature: o.temperature ?? 0,
        ...(o.topK !== undefined ? { topK: o.topK } : {}),
        ...(o.topP !== undefined ? { topP: o.topP } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(stops?.length ? { customStopTriggers: stops } : {}),
        ...(o.signal ? { signal: o.signal, stopOnAbortSignal: true } : {}),
        repeatPenalty: false,
        disableContextShift: true,
        onToken: (tokens) => (completionTokens += tokens.length),
        onTextChunk: (text) => queue.push({ type: "text-delta", text }),
      })
      .then((res) => {
        const reason = res.metadata.stopReason;
        const finishReason: FinishReason = reason === "maxTokens" ? "length" : reason === "abort" ? "abort" : "stop";
        queue.push({ type: "finish", finishReason, usage: { promptTokens, completionTokens } });
      })
      .catch((cause: unknown) => {
        queue.push({ type: "error", error: cause instanceof Error ? cause : new Error(String(cause)) });
      })
      .finally(() => {
        completion.dispose({ disposeSequence: false });
        release();
        queue.close();
      });
    try {
      yield* queue;
    } finally {
      await run;
    }
  }

  /** Collects a whole completion. */
  async complete(prompt: string | GenerationInput, options: GenerationOptions): Promise<{ text: string; finishReason: FinishReason; usage: { promptTokens: number; completionTokens: number } }> {
    let text = "";
    for await (const part of this.stream(prompt, options)) {
      if (part.type === "text-delta") text += part.text;
      else if (part.type === "error") throw part.error;
      else return { text, finishReason: part.finishReason, usage: part.usage };
    }
    throw new LlmosError("runtime_error", 500, "generation ended without a finish");
  }

  /** Raw next-token logits after each of `tokens` (evaluated from an empty context). */
  async logits(tokens: number[]): Promise<Float32Array[]> {
    if (tokens.length > this.contextSize) throw new LimitExceededError("token count", tokens.length, this.contextSize);
    const { sequence, release } = await this.acquire();
    try {
      const out = await sequence.controlledEvaluate(tokens.map((t) => [t as never, { generateNext: { logits: true } }]));
      const n = this.vocabSize;
      return out.map((item, i) => {
        const row = new Float32Array(n);
        const logits = item?.next?.logits;
        if (!logits) throw new LlmosError("runtime_error", 500, `no logits returned for position ${i}`);
        for (const [tok, v] of logits) row[Number(tok)] = v;
        return row;
      });
    } finally {
      release();
    }
  }

  /** Generates token ids after the prompt ids (no text decoding); used to compare engines token by token. */
  async generateIds(prompt: number[], options: GenerationOptions): Promise<number[]> {
    const o = validateGenerationOptions(options);
    if (prompt.length === 0) throw new LlmosError("invalid_argument", 400, "prompt: must not be empty");
    if (prompt.length + o.maxTokens > this.contextSize) {
      throw new LimitExceededError("prompt + max_tokens", prompt.length + o.maxTokens, this.contextSize);
    }
    const { sequence, release } = await this.acquire();
    const out: number[] = [];
    try {
      const it = sequence.evaluate(prompt as never[], {
        temperature: o.temperature ?? 0,
        ...(o.topK !== undefined ? { topK: o.topK } : {}),
        ...(o.topP !== undefined ? { topP: o.topP } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
      });
      for await (const token of it) {
        if (this.model.isEogToken(token)) break;
        out.push(Number(token));
        if (out.length >= o.maxTokens) break;
      }
      return out;
    } finally {
      release();
    }
  }

  /** Mean-pooled, L2-normalised embeddings of each text (llama.cpp's embedding context on this model). */
  async embed(texts: string[]): Promise<EmbeddingResult> {
    if (this.disposed) throw new LlmosError("model_unloaded", 503, `${this.path}: model was unloaded; retry the request`);
    this.embedder ??= this.model.createEmbeddingContext({ contextSize: this.contextSize });
    const ctx = await this.embedder;
    const embeddings: number[][] = [];
    let promptTokens = 0;
    for (const [i, text] of texts.entries()) {
      const n = this.tokenize(text).length;
      if (n === 0) throw new InvalidArgumentError(`input[${i}]`, "must not be empty");
      if (n > this.contextSize) throw new LimitExceededError(`input[${i}] length in tokens`, n, this.contextSize);
      promptTokens += n;
      const v = (await ctx.getEmbeddingFor(text)).vector;
      const norm = Math.hypot(...v) || 1;
      embeddings.push(Array.from(v, (x) => x / norm));
    }
    return { embeddings, promptTokens };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.embedder) await (await this.embedder.catch(() => undefined))?.dispose();
    await this.context.dispose();
    await this.model.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
