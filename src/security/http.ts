// Fastify glue for the lead's server: an onRequest hook that authenticates `Authorization: Bearer
// llmos_…`, puts the principal on the request and applies the per-key token bucket. Errors are
// LlmosErrors (401 / 429) for the server's one error handler; Retry-After is set on the reply.
import type { FastifyReply, FastifyRequest } from "fastify";
import { AuthenticationError, RateLimitedError } from "./errors.ts";
import { parseApiKey, RateLimiter, type IdentityStore, type Principal } from "./identity/index.ts";

// Identical to the declaration in src/server/auth.ts (TypeScript requires merged declarations to agree).
declare module "fastify" {
  interface FastifyRequest {
    /** Set by the security hook on every request but the public paths. */
    principal: Principal;
  }
}

export interface AuthHookOptions {
  identity: IdentityStore;
  /** Per-principal request bucket; omitted: no rate limit. */
  limiter?: RateLimiter;
  /** Paths answered without a key (exact match, query string ignored); default ["/health"]. */
  publicPaths?: readonly string[];
  /**
   * Failed authentications per client address (default 10 burst, 1/s): bounds the scrypt work an
   * attacker can make the server do with made-up keys.
   */
  failureLimiter?: RateLimiter;
  /**
   * Called for each failed authentication that the failure limit let through (so at most its burst
   * plus its rate per address): the key's public id if it has one, never the key or the address.
   */
  onFailure?: (failure: { keyId: string | undefined; reason: "malformed" | "invalid" }) => void;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export function securityHook(opts: AuthHookOptions): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const open = new Set(opts.publicPaths ?? ["/health"]);
  const failures = opts.failureLimiter ?? new RateLimiter({ capacity: 10, refillPerSecond: 1 });
  const limited = (reply: FastifyReply, seconds: number) => {
    void reply.header("Retry-After", String(seconds));
    return new RateLimitedError(seconds);
  };
  return async (req, reply) => {
    if (open.has(req.url.split("?")[0]!)) return;
    const header = req.headers.authorization;
    if (!header) throw new AuthenticationError("missing API key; send 'Authorization: Bearer <key>'");
    const m = BEARER.exec(header);
    if (!m) throw new AuthenticationError("malformed Authorization header; send 'Authorization: Bearer <key>'");
    const wait = failures.peek(req.ip);
    if (wait > 0) throw limited(reply, wait);
    let principal: Principal;
    try {
      principal = opts.identity.authenticate(m[1]!);
    } catch (e) {
      if (e instanceof AuthenticationError) {
        failures.take(req.ip);
        const keyId = parseApiKey(m[1]!)?.id;
        opts.onFailure?.({ keyId, reason: keyId ? "invalid" : "malformed" });
      }
      throw e;
    }
    if (opts.limiter) {
      const r = opts.limiter.take(principal.id);
      if (!r.allowed) throw limited(reply, r.retryAfterSeconds);
    }
    req.principal = principal;
  };
}

/**
 * The same check as the lead's `Authenticator` shape ((authorization) => Principal), for
 * buildServer({ authenticate }): bearer parsing, scrypt-verified key (cached), per-key bucket.
 * It cannot see the client address, so securityHook is preferred (it also limits failed attempts).
 */
export function identityAuthenticator(identity: IdentityStore, limiter?: RateLimiter): (authorization: string | undefined) => Principal {
  return (authorization) => {
    if (!authorization) throw new AuthenticationError("missing API key; send 'Authorization: Bearer <key>'");
    const m = BEARER.exec(authorization);
    if (!m) throw new AuthenticationError("malformed Authorization header; send 'Authorization: Bearer <key>'");
    const principal = identity.authenticate(m[1]!);
    if (limiter) {
      const r = limiter.take(principal.id);
      if (!r.allowed) throw new RateLimitedError(r.retryAfterSeconds);
    }
    return principal;
  };
}
