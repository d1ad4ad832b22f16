export { gcmOpen, gcmSeal } from "./aead.ts";
export { EnvelopeCipher } from "./envelope.ts";
export { MASTER_KEY_FILE, masterKey, MasterKeyring, NEXT_MASTER_KEY_FILE, parseHexKey, type MasterKey } from "./master.ts";
export { rotateMasterKey, type RotationResult } from "./rotate.ts";
export { checkpointSealer, isSealedPath, readSealedFile, SEALED_SUFFIX, textReader, writeSealedFile } from "./sealed-file.ts";
