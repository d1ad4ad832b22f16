// Secret key files in the data directory: created once with mode 0600 (exclusive create, fsynced),
// refused when other users could read them, like ssh does for private keys.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname } from "node:path";
import { CorruptFileError, LlmosError } from "../errors/index.ts";

/** A key file is readable by group or others: its secret may already be known. */
export class InsecureKeyFileError extends LlmosError {
  constructor(file: string, mode: number) {
    super("insecure_key_file", 500, `${file}: mode ${mode.toString(8)} lets other users read the key; run 'chmod 600 ${file}'`, { data: { file } });
  }
}

/** Reads a hex key of `bytes` bytes from `path`, creating it from the CSPRNG when it does not exist. */
export function loadOrCreateKey(path: string, bytes = 32): Uint8Array {
  try {
    const fd = openSync(path, "wx", 0o600);
    try {
      const key = randomBytes(bytes);
      writeSync(fd, `${key.toString("hex")}\n`);
      fsyncSync(fd);
      return new Uint8Array(key);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      return loadOrCreateKey(path, bytes);
    }
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  return readKey(path, bytes);
}

/** Reads an existing hex key file; the error never quotes the file's content. */
export function readKey(path: string, bytes = 32): Uint8Array {
  const mode = statSync(path).mode & 0o777;
  if (process.platform !== "win32" && (mode & 0o077) !== 0) throw new InsecureKeyFileError(path, mode);
  const text = readFileSync(path, "utf8").trim();
  if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(text)) throw new CorruptFileError(path, `must hold ${bytes} bytes as ${bytes * 2} hex digits`);
  return new Uint8Array(Buffer.from(text, "hex"));
}
