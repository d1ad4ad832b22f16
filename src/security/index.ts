// The security kernel's public surface: identity, authorization, contracts, the audit ledger,
// encryption at rest, the fastify hook, and the PKI.
export * from "./audit/index.ts";
export * from "./contracts/index.ts";
export * from "./crypto/index.ts";
export * from "./identity/index.ts";
export * from "./pki/index.ts";
export { AuthenticationError, ContractRefusedError, ForbiddenError, IntegrityError, RateLimitedError } from "./errors.ts";
export { identityAuthenticator, securityHook, type AuthHookOptions } from "./http.ts";
export { InsecureKeyFileError } from "./keyfile.ts";
export { DEFAULT_RATE_LIMIT, defaultDataDir, localOperator, SecurityKernel, type SecurityKernelOptions } from "./kernel.ts";
export { dbPathOf, withKernel } from "./cli-support.ts";
export { securityRoutes } from "./routes.ts";
