// A GGUF model served by llama.cpp through node-llama-cpp: text generation (streamed), tokenization and raw logits.
import { stat } from "node:fs/promises";
import { LlamaCompletion, type LlamaContext, type LlamaContextSequence, type LlamaModel } from "node-llama-cpp";
import { CorruptFileError, LimitExceededError, LlmosError, NotFoundError } from "../../errors/index.ts";
import { readGguf } from "../../engine/gguf/index.ts";
import { validateGenerationOptions } from "../options.ts";
import type { FinishReason, GenerationOptions, StreamPart } from "../stream.ts";
import { sharedLlama } from "./llama.ts";
import { AsyncQueue } from "./queue.ts";

export interface LoadOptions {
  /** Context size in tokens; defaults to the model's trained context length. */
  contextSize?: number;
  /** CPU threads for evaluation (0 = all cores). */
  threads?: number;
}

export class LlamaCppModel {
  // One sequence per model, used by one generation at a time (the scheduler queues the rest).
  private readonly sequence: LlamaContextSequence;
  private lock: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    /** Number of token ids (length of tokenizer.ggml.tokens). */
    readonly vocabSize: number,
  ) {
    this.sequence = context.getSequence();
  }

  /** Waits for the sequence, clears it, and returns the function that releases it. */
  private async acquire(): Promise<() => void> {
    let release!: () => void;
    const previous = this.lock;
    this.lock = new Promise<void>((r) => (release = r));
    await previous;
    try {
      await this.sequence.clearHistory();
    } catch (e) {
      release();
      throw e;
    }
    return release;
  }

  static async load(path: string, opts: LoadOptions = {}): Promise<LlamaCppModel> {
    try {
      await stat(path);
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
    try {
      const trained = model.trainContextSize;
      const contextSize = Math.min(opts.contextSize ?? trained, trained);
      const context = await model.createContext({
        contextSize,
        sequences: 1,
        flashAttention: false,
        ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
        // F32 KV cache: the default F16 cache rounds keys and values, and the parity test compares logits to 1e-3.
        experimentalKvCacheKeyType: "F32",
        experimentalKvCacheValueType: "F32",
      });
      return new LlamaCppModel(path, model, context, vocabSize);
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
  async *stream(prompt: string, options: GenerationOptions): AsyncGenerator<StreamPart> {
    const o = validateGenerationOptions(options);
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
    const release = await this.acquire();
    const completion = new LlamaCompletion({ contextSequence: this.sequence, autoDisposeSequence: false });
    let completionTokens = 0;
    const run = completion
      .generateCompletionWithMeta(prompt, {
        maxTokens,
        temperature: o.temperature ?? 0,
        ...(o.topK !== undefined ? { topK: o.topK } : {}),
        ...(o.topP !== undefined ? { topP: o.topP } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.stop?.length ? { customStopTriggers: o.stop } : {}),
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
  async complete(prompt: string, options: GenerationOptions): Promise<{ text: string; finishReason: FinishReason; usage: { promptTokens: number; completionTokens: number } }> {
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
    const release = await this.acquire();
    try {
      const out = await this.sequence.controlledEvaluate(tokens.map((t) => [t as never, { generateNext: { logits: true } }]));
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
    const release = await this.acquire();
    const out: number[] = [];
    try {
      const it = this.sequence.evaluate(prompt as never[], {
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

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
