// API keys `llmos_<id>_<secret>`: a 12-hex-digit public id and 32 random bytes of secret (hex).
// Only an scrypt hash of the secret is stored (RFC 7914), compared in constant time.
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { InvalidArgumentError } from "../../errors/index.ts";

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

/**
 * N = 2^15, r = 8, p = 1 (32 MiB, tens of ms): the secret is 256 bits from the CSPRNG, so scrypt is
 * not guarding a guessable password; it makes a leaked table useless and bounds brute-force cost.
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };

const KEY_RE = /^llmos_([0-9a-f]{12})_([0-9a-f]{64})$/;

export interface ParsedKey {
  id: string;
  secret: string;
}

export function parseApiKey(key: string): ParsedKey | undefined {
  const m = KEY_RE.exec(key);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function newApiKey(): { key: string; id: string; secret: string } {
  const id = randomBytes(6).toString("hex");
  const secret = randomBytes(32).toString("hex");
  return { key: `llmos_${id}_${secret}`, id, secret };
}

/** `scrypt$N$r$p$<salt hex>$<hash hex>`: the parameters travel with the hash so they can be raised later. */
export function hashSecret(secret: string, params: ScryptParams = DEFAULT_SCRYPT): string {
  const salt = randomBytes(16);
  const hash = scryptSync(secret, salt, 32, { ...params, maxmem: 256 * params.N * params.r });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("hex")}$${hash.toString("hex")}`;
}

export function checkSecret(secret: string, stored: string): boolean {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") throw new InvalidArgumentError("key hash", "is not an scrypt record");
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, "hex");
  const expected = Buffer.from(parts[5]!, "hex");
  const got = scryptSync(secret, salt, expected.length, { N, r, p, maxmem: 256 * N * r });
  return timingSafeEqual(got, expected);
}
