// Group commit for a SQLite database in WAL mode. A transaction committed with synchronous=NORMAL
// is in the WAL (visible to every reader, and kept if this process crashes) but not yet fsynced;
// fdatasync of the WAL file makes it, and every commit before it, survive a power loss too. That is
// the step synchronous=FULL takes on every commit (https://sqlite.org/pragma.html#pragma_synchronous,
// https://sqlite.org/wal.html). Here it runs on libuv's thread pool instead of the caller's thread,
// and one fdatasync covers every commit made while the previous one was in flight.
import { close, fdatasync, open } from "node:fs";
import { LlmosError } from "../errors/index.ts";
import { prepared, type Db } from "./db.ts";

export class WalSync {
  private requested = 0;
  private synced = 0;
  private running: Promise<void> | undefined;
  private readonly waiters: { upTo: number; resolve(): void; reject(e: Error): void }[] = [];
  /** The last fdatasync failure, if any; `flush()` rejects with it. */
  private failure: Error | undefined;
  /** fdatasync calls made so far (each covers every commit before it). */
  syncs = 0;

  private constructor(private readonly walPath: string | undefined) {}

  static for(db: Db): WalSync {
    return new WalSync(db.memory ? undefined : `${db.name}-wal`);
  }

  /**
   * Runs `commit` with synchronous=NORMAL on `db` (restoring the previous level after) and
   * schedules the fdatasync that makes it durable. Returns what `commit` returned.
   */
  commit<T>(db: Db, commit: () => T): T {
    // The disk refused an earlier fdatasync: stop accepting writes rather than acknowledge more.
    if (this.failure) throw new LlmosError("storage_failed", 503, `${this.walPath}: an earlier fdatasync failed (${this.failure.message}); restart once the disk is healthy`, { cause: this.failure });
    const level = prepared(db, "PRAGMA synchronous").pluck().get() as number;
    if (level !== 1) prepared(db, "PRAGMA synchronous = NORMAL").run();
    try {
      return commit();
    } finally {
      if (level !== 1) prepared(db, `PRAGMA synchronous = ${level}`).run();
      this.request();
    }
  }

  /** Resolves once every commit made before this call is on disk. */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.synced >= this.requested) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ upTo: this.requested, resolve, reject }));
  }

  private request(): void {
    this.requested++;
    this.running ??= this.loop().finally(() => (this.running = undefined));
  }

  private async loop(): Promise<void> {
    while (this.synced < this.requested) {
      const upTo = this.requested;
      try {
        if (this.walPath) await syncFile(this.walPath);
        if (this.walPath) this.syncs++;
        this.synced = upTo;
      } catch (e) {
        this.failure = e as Error;
        this.synced = upTo;
        for (const w of this.waiters.splice(0)) w.reject(this.failure);
        continue;
      }
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        if (this.waiters[i]!.upTo <= this.synced) this.waiters.splice(i, 1)[0]!.resolve();
      }
    }
  }
}

/**
 * fdatasync of the file at `path`, opened by path each time (SQLite may recreate the WAL after the
 * last connection closes); a missing file has nothing to sync. Callback API: the open, sync and
 * close all run on the thread pool with the least work on this thread.
 */
function syncFile(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    open(path, "r+", (err, fd) => {
      if (err) return err.code === "ENOENT" ? resolve() : reject(err);
      fdatasync(fd, (syncErr) => close(fd, () => (syncErr ? reject(syncErr) : resolve())));
    });
  });
}
