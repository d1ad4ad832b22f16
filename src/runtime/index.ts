export { LlamaCppModel, type LoadOptions } from "./llamacpp/index.ts";
export { NativeModel, StopMatcher } from "./native/index.ts";
export { RemoteModel, UpstreamError, sseData, type RemoteOptions } from "./remote/index.ts";
export type { FinishReason, GenerationOptions, StreamPart, Usage } from "./stream.ts";
export { validateGenerationOptions } from "./options.ts";
export { collect, type ChatMessage, type EmbeddingResult, type GenerationInput, type ModelRuntime, type ToolCall } from "./spec.ts";
export { CHAT_STOPS, renderChatPrompt, withChatStops } from "./chat.ts";
