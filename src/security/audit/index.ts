export { canonicalJson, type JsonValue } from "./canonical.ts";
export { checkEvent, type AuditEvent, type Decision, type StoredEvent } from "./event.ts";
export { Frontier, MemoryTree } from "./frontier.ts";
export { AUDIT_KEY_FILE, LedgerKeys, verifyHeadSignature } from "./keys.ts";
export { AuditLedger, headMessage, type AppendResult, type LedgerOptions, type SignedHead } from "./ledger.ts";
export {
  consistencyPath, EMPTY_ROOT, hashEquals, inclusionPath, leafHash, nodeHash, rangeHash, verifyConsistency, verifyInclusion,
  type Hash, type PerfectHash,
} from "./merkle.ts";
export { consistencyProofJson, inclusionProofJson, type ConsistencyProofJson, type InclusionProofJson, type PublishedHead } from "./proofs.ts";
export { verifyLedger, type ProblemKind, type VerifyOptions, type VerifyProblem, type VerifyReport } from "./verify.ts";
