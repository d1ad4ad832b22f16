export { LlamaCppModel, type LoadOptions } from "./llamacpp/index.ts";
export type { FinishReason, GenerationOptions, StreamPart, Usage } from "./stream.ts";
export { validateGenerationOptions } from "./options.ts";
