// The native engine as a runtime: serves a training checkpoint (not yet exported to GGUF) with the
// engine's own KV-cached decoding, one token per event-loop turn so aborts and other requests interleave.
import { LlamaModel, Prng, initBackend, sampleToken } from "../../engine/model/index.ts";
import { loadCheckpoint, type CheckpointSealer } from "../../engine/train/index.ts";
import type { BpeTokenizer } from "../../engine/tokenizer/index.ts";
import { LimitExceededError, LlmosError } from "../../errors/index.ts";
import { renderChatPrompt, withChatStops } from "../chat.ts";
import { validateGenerationOptions } from "../options.ts";
import type { GenerationInput, ModelRuntime } from "../spec.ts";
import type { GenerationOptions, StreamPart } from "../stream.ts";
import { StopMatcher } from "./stops.ts";

const tick = () => new Promise<void>((r) => setImmediate(r));

export class NativeModel implements ModelRuntime {
  readonly kind = "native" as const;
  readonly slots = 1;
  readonly embeddings = false;
  private disposed = false;

  private constructor(
    readonly dir: string,
    private readonly model: LlamaModel,
    private readonly tokenizer: BpeTokenizer,
  ) {}

  static async load(dir: string, sealer?: CheckpointSealer): Promise<NativeModel> {
    await initBackend();
    const ckpt = await loadCheckpoint(dir, sealer);
    return new NativeModel(dir, LlamaModel.fromWeights(ckpt.config, ckpt.weights), ckpt.tokenizer);
  }

  get contextSize(): number {
    return this.model.config.contextLength;
  }

  async *stream(input: GenerationInput, options: GenerationOptions): AsyncGenerator<StreamPart> {
    let o: GenerationOptions;
    try {
      o = validateGenerationOptions(options);
      if (this.disposed) throw new LlmosError("model_unloaded", 503, `${this.dir}: model was unloaded; retry the request`);
    } catch (error) {
      yield { type: "error", error: error as Error };
      return;
    }
    const chat = "messages" in input;
    const prompt = this.tokenizer.encode(chat ? renderChatPrompt(input.messages) : input.prompt);
    if (prompt.length === 0) {
      yield { type: "error", error: new LlmosError("invalid_argument", 400, "prompt: must not be empty") };
      return;
    }
    if (prompt.length + 1 > this.contextSize) {
      yield { type: "error", error: new LimitExceededError("prompt length in tokens", prompt.length, this.contextSize - 1) };
      return;
    }
    const maxTokens = Math.min(o.maxTokens, this.contextSize - prompt.length);
    const stops = new StopMatcher(chat ? withChatStops(o.stop) : o.stop ?? []);
    const rng = new Prng(o.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]!);
    const sampling = { temperature: o.temperature ?? 0, ...(o.topK !== undefined ? { topK: o.topK } : {}), ...(o.topP !== undefined ? { topP: o.topP } : {}) };
    const cache = this.model.createCache();
    const out: number[] = [];
    let emitted = 0;
    let finish: "stop" | "length" | "abort" = "length";
    try {
      let logits = this.model.forwardCached(cache, prompt);
      while (out.length < maxTokens) {
        if (o.signal?.aborted) {
          finish = "abort";
          break;
        }
        const id = sampleToken(logits, sampling, rng);
        if (id === this.tokenizer.eosId) {
          finish = "stop";
          break;
        }
        out.push(id);
        const text = this.tokenizer.decode(out);
        // An incomplete UTF-8 sequence decodes to U+FFFD: wait for the next token before emitting it.
        if (!text.endsWith("\uFFFD")) {
          const r = stops.push(text.slice(emitted));
          emitted = text.length;
          if (r.emit) yield { type: "text-delta", text: r.emit };
          if (r.stopped) {
            finish = "stop";
            break;
          }
        }
        if (out.length < maxTokens) logits = this.model.forwardCached(cache, [id]);
        await tick();
      }
      if (finish !== "stop") {
        const rest = stops.flush();
        if (rest) yield { type: "text-delta", text: rest };
      }
      yield { type: "finish", finishReason: finish, usage: { promptTokens: prompt.length, completionTokens: out.length } };
    } catch (error) {
      yield { type: "error", error: error as Error };
    } finally {
      cache.dispose();
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.model.dispose();
  }
}
