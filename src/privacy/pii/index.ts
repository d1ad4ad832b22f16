// Public surface of the PII guard: detection, anonymization, pseudonymization, vault, policy,
// streaming guard and dataset scrubbing.
export { ENTITY_TYPES, type EntityType, type Finding } from "./types.ts";
export { Analyzer, analyze, resolveOverlaps, type AnalyzeOptions } from "./analyzer.ts";
export { analyzerConfigSchema, parseAnalyzerConfig, type AnalyzerConfig, type AnalyzerConfigInput } from "./config.ts";
export { cryptoAddressValid, ibanValid, luhnValid, nhsValid, ssnValid } from "./validators.ts";
export { phoneValid } from "./phone.ts";
export { anonymize, deanonymize, type AnonymizeOptions, type AnonymizeResult, type AnonymizedItem } from "./anonymize.ts";
export { OPERATOR_NAMES, operatorSchema, decryptValue, encryptValue, hashValue, maskValue, PiiDecryptError, type OperatorConfig, type OperatorName } from "./operators.ts";
export { PseudonymMap, type PseudonymEntry } from "./pseudonyms.ts";
export { PseudonymVault, type Sealer } from "./vault.ts";
export {
  actionFor,
  DEFAULT_LOCAL_POLICY,
  DEFAULT_REMOTE_POLICY,
  guardMessages,
  parseTenantPiiPolicy,
  PiiBlockedError,
  piiPolicySchema,
  POLICY_ACTIONS,
  resolvePolicy,
  tenantPiiPolicySchema,
  type GuardableMessage,
  type GuardResult,
  type PiiPolicy,
  type PolicyAction,
  type TenantPiiPolicy,
} from "./policy.ts";
export { guardOutput, guardStream, PiiGuardError, type StreamGuardOptions } from "./stream.ts";
export { formatOf, scrubFile, scrubLines, scrubText, type ScrubOptions, type ScrubReport } from "./scrub.ts";
export { scoreSpans, type Scores, type Span } from "./score.ts";
