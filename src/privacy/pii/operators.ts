// Anonymization operators (Presidio's names): redact, replace, mask, hash, encrypt, pseudonymize.
// hash is HMAC-SHA-256 under a tenant key (RFC 2104); encrypt is AES-256-GCM (NIST SP 800-38D)
// with a fresh 96-bit nonce per value, so only the key holder can reverse it.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { z } from "zod";
import { InvalidArgumentError, LlmosError } from "../../errors/index.ts";

export const OPERATOR_NAMES = ["redact", "replace", "mask", "hash", "encrypt", "pseudonymize", "keep"] as const;
export type OperatorName = (typeof OPERATOR_NAMES)[number];

export const operatorSchema = z.object({
  type: z.enum(OPERATOR_NAMES),
  /** mask: characters kept at the end (default 4). */
  keepLast: z.number().int().min(0).max(64).optional(),
  /** mask: the masking character (default "*"). */
  maskChar: z.string().length(1).optional(),
  /** redact: text put in place of the value (default: nothing, as Presidio). */
  with: z.string().max(64).optional(),
});
export type OperatorConfig = z.infer<typeof operatorSchema>;

const ENC_PREFIX = "enc:";

export function maskValue(value: string, keepLast = 4, maskChar = "*"): string {
  const chars = [...value];
  const keep = Math.min(keepLast, chars.length);
  return chars.map((c, i) => (i >= chars.length - keep || /\s|-/.test(c) ? c : maskChar)).join("");
}

/** HMAC-SHA-256(key, type ":" value), hex. The type keeps equal strings of different types apart. */
export function hashValue(value: string, type: string, key: Uint8Array): string {
  if (key.length < 16) throw new InvalidArgumentError("hashKey", "must be at least 16 bytes");
  return createHmac("sha256", key).update(`${type}:${value}`).digest("hex");
}

function aesKey(key: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new InvalidArgumentError("encryptKey", "must be 32 bytes (AES-256)");
  return key;
}

/** "enc:" + base64url(nonce ‖ ciphertext ‖ tag); the entity type is bound as associated data. */
export function encryptValue(value: string, type: string, key: Uint8Array): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", aesKey(key), iv);
  c.setAAD(Buffer.from(type));
  const body = Buffer.concat([c.update(value, "utf8"), c.final()]);
  return ENC_PREFIX + Buffer.concat([iv, body, c.getAuthTag()]).toString("base64url");
}

export class PiiDecryptError extends LlmosError {
  constructor() {
    super("pii_decrypt_failed", 400, "an encrypted value could not be decrypted: wrong key, wrong entity type or altered text");
  }
}

export function decryptValue(token: string, type: string, key: Uint8Array): string {
  if (!token.startsWith(ENC_PREFIX)) throw new PiiDecryptError();
  const raw = Buffer.from(token.slice(ENC_PREFIX.length), "base64url");
  if (raw.length < 28) throw new PiiDecryptError();
  try {
    const d = createDecipheriv("aes-256-gcm", aesKey(key), raw.subarray(0, 12));
    d.setAAD(Buffer.from(type));
    d.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString("utf8");
  } catch (cause) {
    if (cause instanceof InvalidArgumentError) throw cause;
    throw new PiiDecryptError();
  }
}

/** Encrypted tokens ("enc:...") in a text, for decrypting what `encrypt` produced. */
export const ENCRYPTED_TOKEN = /enc:[A-Za-z0-9_-]{38,}/g;
