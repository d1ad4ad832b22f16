// A remote OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp's server, another LLMasOS) as a
// runtime: requests are forwarded with streaming on, and the SSE answer becomes the stream type.
import { LlmosError } from "../../errors/index.ts";
import { validateGenerationOptions } from "../options.ts";
import type { EmbeddingResult, GenerationInput, ModelRuntime } from "../spec.ts";
import type { FinishReason, GenerationOptions, StreamPart } from "../stream.ts";
import { sseData } from "./sse.ts";

export interface RemoteOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  contextSize?: number;
  slots?: number;
  /** Connect + first byte limit, in ms. */
  timeoutMs?: number;
}

/** The upstream failed; its own error text is not passed on (it may echo the prompt). */
export class UpstreamError extends LlmosError {
  constructor(baseUrl: string, problem: string, upstreamStatus?: number) {
    super("upstream_error", 502, `upstream ${baseUrl}: ${problem}`, { data: { baseUrl, ...(upstreamStatus ? { upstreamStatus } : {}) } });
  }
}

interface Chunk {
  choices?: { text?: string; delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { code?: string; type?: string };
}

export class RemoteModel implements ModelRuntime {
  readonly kind = "remote" as const;
  readonly embeddings = true;
  readonly contextSize: number;
  readonly slots: number;

  constructor(private readonly opts: RemoteOptions) {
    this.contextSize = opts.contextSize ?? 4096;
    this.slots = opts.slots ?? 8;
  }

  private async post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 30_000);
    let res: Response;
    try {
      res = await fetch(`${this.opts.baseUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (cause) {
      if (signal?.aborted) throw cause;
      throw new UpstreamError(this.opts.baseUrl, `not reachable (${(cause as Error).name})`);
    }
    if (!res.ok) {
      const detail = (await res.json().catch(() => ({}))) as Chunk;
      const code = detail.error?.code ? ` (${detail.error.code})` : "";
      await res.body?.cancel().catch(() => undefined);
      throw new UpstreamError(this.opts.baseUrl, `answered HTTP ${res.status}${code}`, res.status);
    }
    return res;
  }

  async *stream(input: GenerationInput, options: GenerationOptions): AsyncGenerator<StreamPart> {
    let finishReason: FinishReason = "stop";
    let usage = { promptTokens: 0, completionTokens: 0 };
    try {
      const o = validateGenerationOptions(options);
      const chat = "messages" in input;
      const body = {
        model: this.opts.model,
        ...(chat ? { messages: input.messages } : { prompt: input.prompt }),
        max_tokens: o.maxTokens,
        ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
        ...(o.topP !== undefined ? { top_p: o.topP } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.stop?.length ? { stop: o.stop } : {}),
        stream: true,
        stream_options: { include_usage: true },
      };
      const res = await this.post(chat ? "/chat/completions" : "/completions", body, o.signal);
      for await (const data of sseData(res.body!)) {
        if (data === "[DONE]") break;
        let chunk: Chunk;
        try {
          chunk = JSON.parse(data) as Chunk;
        } catch {
          throw new UpstreamError(this.opts.baseUrl, "sent a stream event that is not JSON");
        }
        if (chunk.error) throw new UpstreamError(this.opts.baseUrl, `failed mid-stream (${chunk.error.code ?? chunk.error.type ?? "error"})`);
        const choice = chunk.choices?.[0];
        const text = choice ? (chat ? choice.delta?.content : choice.text) : undefined;
        if (text) yield { type: "text-delta", text };
        if (choice?.finish_reason) finishReason = choice.finish_reason === "length" ? "length" : "stop";
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens ?? 0, completionTokens: chunk.usage.completion_tokens ?? 0 };
      }
      yield { type: "finish", finishReason, usage };
    } catch (error) {
      if (options.signal?.aborted) yield { type: "finish", finishReason: "abort", usage };
      else yield { type: "error", error: error as Error };
    }
  }

  async embed(texts: string[]): Promise<EmbeddingResult> {
    const res = await this.post("/embeddings", { model: this.opts.model, input: texts });
    const body = (await res.json()) as { data?: { embedding: number[]; index: number }[]; usage?: { prompt_tokens?: number } };
    if (!Array.isArray(body.data) || body.data.length !== texts.length) throw new UpstreamError(this.opts.baseUrl, "sent an embeddings answer of the wrong shape");
    const sorted = [...body.data].sort((a, b) => a.index - b.index);
    return { embeddings: sorted.map((d) => d.embedding), promptTokens: body.usage?.prompt_tokens ?? 0 };
  }

  async dispose(): Promise<void> {
    // Nothing held: connections are pooled by fetch.
  }
}
