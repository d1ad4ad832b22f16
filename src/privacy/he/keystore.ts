// Keeping CKKS keys in the encrypted store: the secret key is sealed with an envelope cipher (the
// security subsystem's EnvelopeCipher fits this interface) under associated data that binds it to a
// name and to the encryption parameters; parameters, public and Galois keys are not secret.
import type { CkksContext, CkksKeys, SecretKey } from "./context.ts";

export interface SealingCipher {
  seal(plain: Uint8Array, aad: string): Uint8Array;
  open(sealed: Uint8Array, aad: string): Uint8Array;
}

export interface StoredKeyBundle {
  params: Uint8Array;
  publicKey: Uint8Array;
  /** The LLMOSHE1 secret key, sealed: readable only through the cipher, under the same name. */
  sealedSecretKey: Uint8Array;
  galoisKeys?: Uint8Array;
}

const aadFor = (ctx: CkksContext, name: string) => `llmos.he.secretKey:${name}:${Buffer.from(ctx.paramsId).toString("hex")}`;

export function sealKeyBundle(cipher: SealingCipher, ctx: CkksContext, keys: CkksKeys, name: string): StoredKeyBundle {
  const bytes = ctx.exportKeys(keys, { includeSecret: true });
  const sealed = cipher.seal(bytes.secretKey!, aadFor(ctx, name));
  bytes.secretKey!.fill(0); // do not leave the plain key bytes in the JS heap longer than needed
  return { params: ctx.exportParams(), publicKey: bytes.publicKey, sealedSecretKey: sealed, ...(bytes.galoisKeys ? { galoisKeys: bytes.galoisKeys } : {}) };
}

export function openSecretKey(cipher: SealingCipher, ctx: CkksContext, sealed: Uint8Array, name: string): SecretKey {
  const plain = cipher.open(sealed, aadFor(ctx, name));
  try {
    return ctx.loadSecretKey(plain);
  } finally {
    plain.fill(0);
  }
}
