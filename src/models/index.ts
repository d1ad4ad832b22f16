export { ModelRegistry, SYSTEM_TENANT, type Lineage, type ModelVersion, type RemoteSource } from "./registry.ts";
export { checkName, formatModelRef, parseModelRef, type ModelRef } from "./names.ts";
export { ggufFacts, type GgufFacts } from "./gguf-facts.ts";
export { lineageFromCard, MODEL_CARD_FILE } from "./card.ts";
