// Public surface of the PII guard: detection, anonymization, pseudonymization, policy, streaming, scrubbing.
export { ENTITY_TYPES, type EntityType, type Finding } from "./types.ts";
export { Analyzer, analyze, resolveOverlaps, type AnalyzeOptions } from "./analyzer.ts";
export { analyzerConfigSchema, parseAnalyzerConfig, type AnalyzerConfig, type AnalyzerConfigInput } from "./config.ts";
export { cryptoAddressValid, ibanValid, luhnValid, nhsValid, ssnValid } from "./validators.ts";
export { phoneValid } from "./phone.ts";
