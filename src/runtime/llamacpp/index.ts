export { LlamaCppModel, type LoadOptions } from "./model.ts";
export { ThreadedLlamaCppModel } from "./threaded.ts";
export { sharedLlama } from "./llama.ts";
