// Public surface of the homomorphic-encryption service (CKKS on node-seal 6).
export { loadSeal, type SealLibrary } from "./seal.ts";
export { CkksContext, disposeKeys, type CipherText, type CkksKeys, type CkksOptions, type GaloisKeys, type PublicKey, type SecretKey } from "./context.ts";
export { HeDisposedError, HeFormatError } from "./errors.ts";
export { KINDS as HE_KINDS, MAGIC as HE_MAGIC, paramsIdOf, type Kind as HeKind } from "./format.ts";
export { EncryptedVector, decryptVector, encryptVector } from "./vector.ts";
export { aggregateEncrypted, decryptAggregate, encryptUpdate } from "./aggregate.ts";
export { EncryptedLinearLayer, decryptLinearOutput, deserializeCiphertext, encryptLinearInput, evaluateLinearBytes, linearPlan, serializeCiphertext, type LinearPlan } from "./linear.ts";
export { openSecretKey, sealKeyBundle, type SealingCipher, type StoredKeyBundle } from "./keystore.ts";
