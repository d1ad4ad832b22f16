// Who is calling: the Authorization header becomes a Principal on every request but /health.
import { createHash, timingSafeEqual } from "node:crypto";
import { LlmosError } from "../errors/index.ts";

export interface Principal {
  id: string;
  tenant: string;
  role: "admin" | "data-owner" | "analyst" | "user";
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal;
  }
}

export class AuthenticationError extends LlmosError {
  constructor(message: string) {
    super("invalid_api_key", 401, message);
  }
}

/** Resolves a bearer token to its principal, or throws AuthenticationError. */
export type Authenticator = (authorization: string | undefined) => Promise<Principal> | Principal;

export function bearerToken(authorization: string | undefined): string {
  if (!authorization) throw new AuthenticationError("missing API key; send 'Authorization: Bearer <key>'");
  const m = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!m) throw new AuthenticationError("malformed Authorization header; send 'Authorization: Bearer <key>'");
  return m[1]!;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** One static key for one admin principal (compared as SHA-256 digests in constant time). */
export function singleKey(apiKey: string, principal: Principal = { id: "admin", tenant: "default", role: "admin" }): Authenticator {
  const expected = digest(apiKey);
  return (authorization) => {
    if (!timingSafeEqual(digest(bearerToken(authorization)), expected)) throw new AuthenticationError("invalid API key");
    return principal;
  };
}
