// 200 DP queries fired at once from 8 worker threads (8 SQLite connections on one database file),
// from 4 processes, and as 200 promises, each at a budget that allows exactly 50: exactly 50
// succeed and the ledger sums to the budget.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

interface Job {
  dbPath: string;
  queries: number;
  start: SharedArrayBuffer;
}

async function workerMain(job: Job): Promise<void> {
  const { DpBudgetStore, runDpQuery, BudgetExceededError } = await import("../src/privacy/dp/index.ts");
  const store = DpBudgetStore.open(job.dbPath);
  // Prepare everything, then wait for the common start signal so all workers hit SQLite together.
  const flag = new Int32Array(job.start);
  Atomics.add(flag, 1, 1);
  Atomics.wait(flag, 0, 0);
  let ok = 0;
  let refused = 0;
  const other: string[] = [];
  for (let i = 0; i < job.queries; i++) {
    try {
      runDpQuery(store, { tenant: "acme", dataset: "people", user: `worker-${i}`, query: { type: "count", epsilon: 0.02 } });
      ok++;
    } catch (e) {
      if (e instanceof BudgetExceededError && e.status === 403) refused++;
      else other.push(String(e));
    }
  }
  store.close();
  parentPort!.postMessage({ ok, refused, other });
}

if (!isMainThread) {
  await workerMain(workerData as Job);
} else {
  const { test } = await import("node:test");
  const { DpBudgetStore } = await import("../src/privacy/dp/index.ts");

  test("200 concurrent releases from 8 threads against a budget for 50: exactly 50 succeed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llmos-dp-conc-"));
    try {
      const dbPath = join(dir, "llmos.db");
      const csv = join(dir, "people.csv");
      writeFileSync(csv, "id,age\n" + Array.from({ length: 500 }, (_, i) => `${i},${20 + (i % 50)}`).join("\n") + "\n");
      const store = DpBudgetStore.open(dbPath);
      store.registerDataset({ tenant: "acme", id: "people", owner: "alice", source: csv, format: "csv", schema: [{ name: "id", type: "integer" }, { name: "age", type: "number" }], privacyUnit: "id", epsilonTotal: 1, deltaTotal: 0 });
      const start = new SharedArrayBuffer(8);
      const flag = new Int32Array(start);
      const boot = `import("tsx/esm/api").then((api) => { api.register(); return import(${JSON.stringify(import.meta.url)}); })`;
      const workers = Array.from({ length: 8 }, () => new Worker(boot, { eval: true, workerData: { dbPath, queries: 25, start } satisfies Job }));
      const results = workers.map(
        (w) =>
          new Promise<{ ok: number; refused: number; other: string[] }>((resolve, reject) => {
            w.once("message", resolve);
            w.once("error", reject);
          }),
      );
      while (Atomics.load(flag, 1) < workers.length) await new Promise((r) => setTimeout(r, 10));
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      const all = await Promise.all(results);
      await Promise.all(workers.map((w) => w.terminate()));
      const ok = all.reduce((s, r) => s + r.ok, 0);
      const refused = all.reduce((s, r) => s + r.refused, 0);
      assert.deepEqual(all.flatMap((r) => r.other), []);
      assert.equal(ok, 50);
      assert.equal(refused, 150);
      assert.ok(all.filter((r) => r.ok > 0).length > 1, "successes came from several threads");
      const ledger = store.ledger("acme", "people");
      assert.equal(ledger.length, 50);
      assert.equal(Math.round(ledger.reduce((s, e) => s + e.epsilon * 1e9, 0)), 1e9);
      const b = store.budget("acme", "people");
      assert.equal(b.epsilon_spent, 1);
      assert.equal(b.epsilon_remaining, 0);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("200 releases from 4 separate processes on one database file: exactly 50 succeed", async () => {
    const { spawn } = await import("node:child_process");
    const dir = mkdtempSync(join(tmpdir(), "llmos-dp-proc-"));
    try {
      const dbPath = join(dir, "llmos.db");
      const csv = join(dir, "d.csv");
      writeFileSync(csv, "v\n1\n2\n");
      const store = DpBudgetStore.open(dbPath);
      store.registerDataset({ tenant: "t", id: "d", owner: "o", source: csv, format: "csv", schema: [{ name: "v", type: "number" }], privacyUnit: null, epsilonTotal: 2.5, deltaTotal: 0 });
      const startAt = Date.now() + 4000; // every process is loaded by then; they all start together
      const script = [
        'const { DpBudgetStore, runDpQuery } = await import("./src/privacy/dp/index.ts");',
        `const store = DpBudgetStore.open(${JSON.stringify(dbPath)});`,
        `await new Promise((r) => setTimeout(r, Math.max(0, ${startAt} - Date.now())));`,
        "let ok = 0, refused = 0;",
        'for (let i = 0; i < 50; i++) { try { runDpQuery(store, { tenant: "t", dataset: "d", user: `p${process.pid}`, query: { type: "count", epsilon: 0.05 } }); ok++; } catch (e) { if (e.code === "budget_exceeded") refused++; else throw e; } }',
        "process.stdout.write(JSON.stringify({ ok, refused }));",
      ].join("\n");
      const cwd = new URL("..", import.meta.url).pathname;
      const runs = Array.from({ length: 4 }, () => new Promise<{ ok: number; refused: number }>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(err))));
      }));
      const all = await Promise.all(runs);
      assert.equal(all.reduce((s, r) => s + r.ok, 0), 50);
      assert.equal(all.reduce((s, r) => s + r.refused, 0), 150);
      assert.equal(store.ledger("t", "d").length, 50);
      assert.equal(store.budget("t", "d").epsilon_remaining, 0);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("200 releases issued concurrently as promises in one process: exactly 50 succeed", async () => {
    const { runDpQuery, BudgetExceededError } = await import("../src/privacy/dp/index.ts");
    const { openDatabase } = await import("../src/store/index.ts");
    const dir = mkdtempSync(join(tmpdir(), "llmos-dp-conc-"));
    try {
      const csv = join(dir, "people.csv");
      writeFileSync(csv, "age\n1\n2\n3\n");
      const store = new DpBudgetStore(openDatabase(join(dir, "llmos.db")));
      store.registerDataset({ tenant: "t", id: "p", owner: "o", source: csv, format: "csv", schema: [{ name: "age", type: "number" }], privacyUnit: null, epsilonTotal: 5, deltaTotal: 0 });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 200 }, async (_, i) => {
          await new Promise((r) => setImmediate(r));
          return runDpQuery(store, { tenant: "t", dataset: "p", user: `u${i}`, query: { type: "sum", column: "age", bounds: [0, 10], epsilon: 0.1 } });
        }),
      );
      assert.equal(outcomes.filter((o) => o.status === "fulfilled").length, 50);
      assert.ok(outcomes.every((o) => o.status === "fulfilled" || o.reason instanceof BudgetExceededError));
      assert.equal(store.budget("t", "p").epsilon_remaining, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
