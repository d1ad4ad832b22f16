// Content-addressed blob store: a file is kept once under its SHA-256, written atomically, and
// verified on read so a corrupted or truncated blob is reported, never served.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync } from "node:fs";
import { copyFile, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { CorruptFileError, InvalidArgumentError } from "../errors/index.ts";
import { syncDirectory, writeFileSynced } from "./durable.ts";

const SHA256 = /^[0-9a-f]{64}$/;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

export class BlobStore {
  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  /** Where the blob with this digest lives (two-level fan-out, like git's objects/). */
  path(sha256: string): string {
    if (!SHA256.test(sha256)) throw new InvalidArgumentError("sha256", "must be 64 lowercase hex digits");
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  has(sha256: string): boolean {
    return existsSync(this.path(sha256));
  }

  /** Copies a file in; returns its digest and size. Adding the same content twice stores it once. */
  async addFile(source: string): Promise<{ sha256: string; bytes: number }> {
    const sha256 = await sha256File(source);
    const { size } = await stat(source);
    const dest = this.path(sha256);
    if (!existsSync(dest)) {
      mkdirSync(join(this.root, sha256.slice(0, 2)), { recursive: true });
      const tmp = `${dest}.tmp-${process.pid}`;
      await copyFile(source, tmp);
      // Re-hash the copy: a disk error during the copy must not publish a wrong blob.
      if ((await sha256File(tmp)) !== sha256) {
        await unlink(tmp).catch(() => undefined);
        throw new CorruptFileError(source, "changed while it was being copied into the blob store");
      }
      await rename(tmp, dest);
      await syncDirectory(join(this.root, sha256.slice(0, 2)));
    }
    return { sha256, bytes: size };
  }

  async addBytes(bytes: Uint8Array): Promise<{ sha256: string; bytes: number }> {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const dest = this.path(sha256);
    if (!existsSync(dest)) {
      mkdirSync(join(this.root, sha256.slice(0, 2)), { recursive: true });
      const tmp = `${dest}.tmp-${process.pid}`;
      await writeFileSynced(tmp, bytes);
      await rename(tmp, dest);
      await syncDirectory(join(this.root, sha256.slice(0, 2)));
    }
    return { sha256, bytes: bytes.length };
  }

  /** Re-hashes a stored blob; throws CorruptFileError if it no longer matches its name. */
  async verify(sha256: string): Promise<void> {
    const p = this.path(sha256);
    if (!existsSync(p)) throw new CorruptFileError(p, "blob is missing from the store");
    if ((await sha256File(p)) !== sha256) throw new CorruptFileError(p, "blob content does not match its SHA-256 (corrupted on disk)");
  }

  async remove(sha256: string): Promise<void> {
    await unlink(this.path(sha256)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOENT") throw e;
    });
  }
}
