import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, WalSync } from "./index.ts";

const tempDb = () => {
  const dir = mkdtempSync(join(tmpdir(), "llmos-walsync-"));
  return { dir, path: join(dir, "t.db"), done: () => rmSync(dir, { recursive: true, force: true }) };
};

test("a grouped commit is visible to other connections at once, restores synchronous=FULL, and flush() resolves", async () => {
  const t = tempDb();
  const db = openDatabase(t.path);
  const other = openDatabase(t.path);
  try {
    db.exec("CREATE TABLE x (v INTEGER)");
    const sync = WalSync.for(db);
    const insert = db.prepare("INSERT INTO x (v) VALUES (?)");
    for (let i = 0; i < 50; i++) sync.commit(db, () => insert.run(i));
    assert.equal(db.pragma("synchronous", { simple: true }), 2);
    assert.equal(other.prepare("SELECT COUNT(*) FROM x").pluck().get(), 50);
    await sync.flush();
    // Fifty commits in one turn of the event loop share the fdatasync calls: far fewer than fifty.
    assert.ok(sync.syncs >= 1 && sync.syncs <= 2, `syncs: ${sync.syncs}`);
    await sync.flush(); // nothing pending: resolves at once
  } finally {
    db.close();
    other.close();
    t.done();
  }
});

test("a grouped commit survives the process being killed before its fdatasync", () => {
  const t = tempDb();
  try {
    const store = new URL("./index.ts", import.meta.url).pathname;
    const child = `
      const { openDatabase, WalSync } = await import(${JSON.stringify(store)});
      const db = openDatabase(${JSON.stringify(t.path)});
      db.exec("CREATE TABLE x (v INTEGER)");
      const sync = WalSync.for(db);
      sync.commit(db, () => db.prepare("INSERT INTO x (v) VALUES (42)").run());
      process.kill(process.pid, "SIGKILL");`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", child], { encoding: "utf8" });
    assert.equal(r.signal, "SIGKILL", r.stderr);
    const db = openDatabase(t.path);
    try {
      assert.deepEqual(db.prepare("SELECT v FROM x").pluck().all(), [42]);
    } finally {
      db.close();
    }
  } finally {
    t.done();
  }
});

test("an in-memory database has nothing to sync: flush() still resolves", async () => {
  const db = openDatabase(":memory:");
  const sync = WalSync.for(db);
  db.exec("CREATE TABLE x (v INTEGER)");
  sync.commit(db, () => db.prepare("INSERT INTO x (v) VALUES (1)").run());
  await sync.flush();
  db.close();
});
