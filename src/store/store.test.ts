import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobStore, migrate, openDatabase } from "./index.ts";

test("migrations apply once per subsystem, in order, and survive reopening", () => {
  const dir = mkdtempSync(join(tmpdir(), "llmos-db-"));
  const file = join(dir, "x.db");
  const db = openDatabase(file);
  migrate(db, "a", ["CREATE TABLE t (x INTEGER)", "ALTER TABLE t ADD COLUMN y TEXT"]);
  migrate(db, "a", ["CREATE TABLE t (x INTEGER)", "ALTER TABLE t ADD COLUMN y TEXT"]);
  db.prepare("INSERT INTO t (x, y) VALUES (1, 'one')").run();
  db.close();
  const again = openDatabase(file);
  migrate(again, "a", ["CREATE TABLE t (x INTEGER)", "ALTER TABLE t ADD COLUMN y TEXT", "CREATE INDEX t_x ON t (x)"]);
  assert.deepEqual(again.prepare("SELECT x, y FROM t").all(), [{ x: 1, y: "one" }]);
  assert.throws(() => migrate(again, "a", ["CREATE TABLE t (x INTEGER)"]), /newer than this llmos knows/);
  assert.equal(again.pragma("journal_mode", { simple: true }), "wal");
  again.close();
});

test("a file that is not SQLite is a clear corrupt-file error", () => {
  const dir = mkdtempSync(join(tmpdir(), "llmos-db-"));
  const file = join(dir, "bad.db");
  writeFileSync(file, "this is not a database, just text that is long enough to have a header".repeat(20));
  assert.throws(() => openDatabase(file), /bad\.db: not a usable SQLite database/);
});

test("blobs are content-addressed, stored once and verified", async () => {
  const dir = mkdtempSync(join(tmpdir(), "llmos-blob-"));
  const store = new BlobStore(join(dir, "blobs"));
  const src = join(dir, "f.bin");
  writeFileSync(src, "hello blob");
  const a = await store.addFile(src);
  const b = await store.addBytes(new TextEncoder().encode("hello blob"));
  assert.equal(a.sha256, b.sha256);
  assert.equal(a.sha256, "e997afd18e5f6be004fc193aed2c90291e68ab2c7599a62538c935b7fca6ab0f");
  assert.equal(readFileSync(store.path(a.sha256), "utf8"), "hello blob");
  await store.verify(a.sha256);
  writeFileSync(store.path(a.sha256), "hello blub");
  await assert.rejects(store.verify(a.sha256), /does not match its SHA-256/);
  assert.throws(() => store.path("../../etc/passwd"), /64 lowercase hex/);
});
