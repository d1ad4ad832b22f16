export { LlamaCppModel, type LoadOptions } from "./model.ts";
export { sharedLlama } from "./llama.ts";
