// AES-256-GCM (NIST SP 800-38D) through node:crypto: 96-bit random IVs, 128-bit tags. A failed
// tag check is an IntegrityError, never plaintext.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { IntegrityError } from "../errors.ts";

export const IV_BYTES = 12;
export const TAG_BYTES = 16;

/** iv ‖ ciphertext ‖ tag */
export function gcmSeal(key: Uint8Array, plain: Uint8Array, aad: Uint8Array): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return new Uint8Array(Buffer.concat([iv, body, c.getAuthTag()]));
}

export function gcmOpen(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array, what: string): Uint8Array {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new IntegrityError(what, "is truncated");
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const d = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  d.setAAD(aad);
  d.setAuthTag(tag);
  try {
    const out = Buffer.concat([d.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), d.final()]);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch {
    throw new IntegrityError(what, "failed its authentication check (changed, truncated, or sealed with other data/keys)");
  }
}
