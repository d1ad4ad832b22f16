// The one stream type that flows from a runtime to its consumers (CLI, server, guards).
export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export type FinishReason = "stop" | "length" | "abort";

export type StreamPart =
  | { type: "text-delta"; text: string }
  | { type: "finish"; finishReason: FinishReason; usage: Usage }
  | { type: "error"; error: Error };

export interface GenerationOptions {
  maxTokens: number;
  /** 0 = greedy. */
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  /** Generation ends before any of these strings; the stop string is not returned. */
  stop?: string[];
  signal?: AbortSignal;
}
