// Bearer-key check for every route but /health. Keys are compared as SHA-256 digests in constant time.
import { createHash, timingSafeEqual } from "node:crypto";
import { LlmosError } from "../errors/index.ts";

export class AuthenticationError extends LlmosError {
  constructor(message: string) {
    super("invalid_api_key", 401, message);
  }
}

const digest = (s: string) => createHash("sha256").update(s).digest();

export function keyChecker(apiKey: string): (authorization: string | undefined) => void {
  const expected = digest(apiKey);
  return (authorization) => {
    if (!authorization) throw new AuthenticationError("missing API key; send 'Authorization: Bearer <key>'");
    const m = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) throw new AuthenticationError("invalid API key");
  };
}
