// Whole files sealed at rest with the envelope cipher (a data key per file, AES-256-GCM): datasets
// copied into the data directory. The file's name is bound as associated data, so a sealed file
// renamed or swapped for another one does not open.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { writeFileAtomic } from "../../store/index.ts";
import type { EnvelopeCipher } from "./envelope.ts";

export const SEALED_SUFFIX = ".sealed";

const aadOf = (path: string) => `sealed-file:${basename(path)}`;

/** Writes `plain` to `path` (which must end in .sealed), sealed; atomically. */
export async function writeSealedFile(cipher: EnvelopeCipher, path: string, plain: Uint8Array): Promise<void> {
  await writeFileAtomic(path, cipher.seal(plain, aadOf(path)));
}

/** The plaintext of a sealed file; a changed bit or a renamed file is an IntegrityError. */
export function readSealedFile(cipher: EnvelopeCipher, path: string): Uint8Array {
  return cipher.open(new Uint8Array(readFileSync(path)), aadOf(path));
}

export function isSealedPath(path: string): boolean {
  return path.endsWith(SEALED_SUFFIX);
}

/** The envelope cipher as the engine's checkpoint sealer (private checkpoints' tensor files). */
export function checkpointSealer(cipher: EnvelopeCipher): { seal(plain: Uint8Array, name: string): Uint8Array; open(sealed: Uint8Array, name: string): Uint8Array } {
  return {
    seal: (plain, name) => cipher.seal(plain, `checkpoint:${name}`),
    open: (sealed, name) => cipher.open(sealed, `checkpoint:${name}`),
  };
}

/** Reads dataset text whether it is sealed (by its suffix) or plain on disk. */
export function textReader(cipher: EnvelopeCipher): (path: string) => string {
  return (path) => (isSealedPath(path) ? Buffer.from(readSealedFile(cipher, path)).toString("utf8") : readFileSync(path, "utf8"));
}
