// The one interface every model driver implements (llama.cpp, remote OpenAI-compatible, native
// engine). The scheduler, the server and the pipelines only ever talk to this.
import type { GenerationOptions, StreamPart } from "./stream.ts";

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content: string;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

/** What to generate from: a raw prompt (completions) or a conversation (chat). */
export type GenerationInput = { prompt: string } | { messages: ChatMessage[] };

export interface EmbeddingResult {
  embeddings: number[][];
  promptTokens: number;
}

export interface ModelRuntime {
  /** Which driver this is, for /v1/models and logs. */
  readonly kind: "llamacpp" | "remote" | "native" | "pipeline";
  /** Context length in tokens (prompt + completion). */
  readonly contextSize: number;
  /** Generations this runtime runs at once; the scheduler admits at most this many. */
  readonly slots: number;
  /** Whether embed() is available. */
  readonly embeddings: boolean;
  /** Streams a generation; errors travel as a final `error` part, never as a throw. */
  stream(input: GenerationInput, options: GenerationOptions): AsyncIterable<StreamPart>;
  embed?(texts: string[]): Promise<EmbeddingResult>;
  /** Frees everything the runtime holds; it is unusable afterwards. */
  dispose(): Promise<void>;
}

/** Collects a stream into text, finish reason and usage, throwing the error part if there is one. */
export async function collect(parts: AsyncIterable<StreamPart>): Promise<{ text: string; finishReason: "stop" | "length" | "abort"; usage: { promptTokens: number; completionTokens: number } }> {
  let text = "";
  for await (const part of parts) {
    if (part.type === "text-delta") text += part.text;
    else if (part.type === "error") throw part.error;
    else return { text, finishReason: part.finishReason, usage: part.usage };
  }
  throw new Error("generation ended without a finish part");
}
