export { checkSecret, DEFAULT_SCRYPT, hashSecret, newApiKey, parseApiKey, type ParsedKey, type ScryptParams } from "./apikey.ts";
export { authorize, decide, type Decision as AccessDecision } from "./authorize.ts";
export { RateLimiter, takeToken, type BucketOptions, type BucketState, type TakeResult } from "./ratelimit.ts";
export {
  ACTIONS, ADMIN_CROSS_TENANT, PERMISSIONS, RESOURCE_KINDS, ROLES,
  type Action, type Principal, type Resource, type ResourceKind, type Role,
} from "./roles.ts";
export { checkRole, checkTenantName, IdentityStore, type CreatedKey, type IdentityOptions, type PrincipalInfo } from "./store.ts";
