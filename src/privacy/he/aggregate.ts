// Encrypted aggregation of model updates (an alternative to masking-based secure aggregation in
// federated learning): clients encrypt their Float32 updates under the federation's public key, the
// server adds ciphertexts without any secret key, and only the secret-key holder(s) decrypt the sum.
// Error: each fresh CKKS encryption at scale 2^40 decodes within ~1e-8 of its input (measured; the
// bound follows Cheon et al. 2017, Lemma 1: fresh noise ≈ 8√2·σN/Δ), and k additions add k such
// errors, so the sum of k ≤ 64 updates is within 1e-6 per entry (asserted in he.test.ts).
import { InvalidArgumentError } from "../../errors/index.ts";
import type { CkksContext, PublicKey, SecretKey } from "./context.ts";
import { decryptVector, EncryptedVector, encryptVector } from "./vector.ts";

/** Client side: one encrypted update, serialised for upload. */
export function encryptUpdate(ctx: CkksContext, publicKey: PublicKey, update: Float32Array | number[]): Uint8Array {
  const v = encryptVector(ctx, publicKey, update);
  try {
    return v.serialize();
  } finally {
    v.dispose();
  }
}

/** Server side: the sum of serialised encrypted updates, still encrypted (no key needed). */
export function aggregateEncrypted(ctx: CkksContext, updates: readonly Uint8Array[]): Uint8Array {
  if (updates.length === 0) throw new InvalidArgumentError("updates", "need at least one update");
  const acc = EncryptedVector.deserialize(ctx, updates[0]!);
  try {
    for (let i = 1; i < updates.length; i++) {
      const u = EncryptedVector.deserialize(ctx, updates[i]!);
      try {
        acc.addInPlace(u);
      } finally {
        u.dispose();
      }
    }
    return acc.serialize();
  } finally {
    acc.dispose();
  }
}

/** Key holder: decrypts the aggregate; with `average` divides by the number of updates in the clear. */
export function decryptAggregate(ctx: CkksContext, secretKey: SecretKey, aggregate: Uint8Array, average?: number): Float32Array {
  const v = EncryptedVector.deserialize(ctx, aggregate);
  try {
    const sum = decryptVector(ctx, secretKey, v);
    const out = new Float32Array(sum.length);
    const k = average ?? 1;
    for (let i = 0; i < sum.length; i++) out[i] = sum[i]! / k;
    return out;
  } finally {
    v.dispose();
  }
}
