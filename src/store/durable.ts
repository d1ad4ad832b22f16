// Durable file writes: data reaches the disk (fsync) before a rename publishes it, so a crash leaves
// either the old file or the new one, never a torn one.
import { open, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";

/** Writes `bytes` to `path` and fsyncs it. */
export async function writeFileSynced(path: string, bytes: Uint8Array | string): Promise<void> {
  const fh = await open(path, "w");
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Makes renames inside `dir` durable; some file systems cannot fsync a directory, which is harmless. */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const fh = await open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // best effort: not supported here
  }
}

/** Replaces `path` atomically: write a synced temporary file beside it, rename, sync the directory. */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    await writeFileSynced(tmp, bytes);
    await rename(tmp, path);
  } catch (cause) {
    await unlink(tmp).catch(() => undefined);
    throw cause;
  }
  await syncDirectory(dirname(path));
}
