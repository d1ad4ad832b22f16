// The security kernel's errors. Each maps to an HTTP status through LlmosError.status; none
// carries a secret (API keys, master keys) in its message or data.
import { LlmosError } from "../errors/index.ts";

/** 401: no key, a malformed key, an unknown or revoked key. */
export class AuthenticationError extends LlmosError {
  constructor(message: string) {
    super("invalid_api_key", 401, message);
  }
}

/** 403: the principal may see the resource but not do this with it. */
export class ForbiddenError extends LlmosError {
  constructor(role: string, action: string, kind: string) {
    super("forbidden", 403, `role '${role}' may not ${action} a ${kind}`, { data: { role, action, kind } });
  }
}

/** 429: the key's token bucket is empty; retry after `retryAfterSeconds`. */
export class RateLimitedError extends LlmosError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super("rate_limited", 429, `too many requests for this API key; retry after ${retryAfterSeconds} s`, { data: { retryAfterSeconds } });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A sealed object or key does not authenticate: changed, truncated, or sealed under another key. */
export class IntegrityError extends LlmosError {
  constructor(what: string, problem: string) {
    super("integrity_error", 422, `${what}: ${problem}`, { data: { what } });
  }
}

/** A data-use contract refuses the use; `clause` names the clause that refused. */
export class ContractRefusedError extends LlmosError {
  readonly clause: string;
  constructor(clause: string, message: string, data: Record<string, unknown> = {}) {
    super("contract_refused", 403, message, { data: { clause, ...data } });
    this.clause = clause;
  }
}
