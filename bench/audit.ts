// Audit ledger benchmark: durable appends per second (one commit + fsync each, and in batches),
// the time to verify 10^6 entries from storage, and proof generation / verification times.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLedger, LedgerKeys, verifyConsistency, verifyInclusion, verifyLedger, type AuditEvent } from "../src/security/index.ts";
import { openDatabase } from "../src/store/index.ts";

const event = (i: number): AuditEvent => ({
  who: `key-${i % 97}`, action: i % 3 ? "model.infer" : "dataset.query", resource: `dataset:set-${i % 1000}`, tenant: `tenant-${i % 7}`,
  decision: i % 11 ? "allow" : "deny", epsilon: (i % 5) / 10,
  inputHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
});

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const n = Number(args[0] ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), "llmos-bench-audit-"));
  try {
    const db = openDatabase(join(dir, "llmos.db"));
    const ledger = AuditLedger.open(db, { keys: LedgerKeys.forDataDir(dir), signEvery: 4096 });
    // Durable single appends: each is its own committed transaction (synchronous=FULL, WAL).
    const single = 3000;
    const [, singleMs] = time(() => { for (let i = 0; i < single; i++) ledger.append(event(i)); });
    // Group commit (the request path): the caller's thread pays the commit, the fdatasync runs on the
    // thread pool and covers every append made meanwhile. One append per event-loop turn, as requests do.
    let groupedCallMs = 0;
    const gt0 = performance.now();
    for (let i = 0; i < single; i++) {
      groupedCallMs += time(() => ledger.appendGrouped(event(i)))[1];
      await new Promise((r) => setImmediate(r));
    }
    await ledger.flush();
    const groupedWallMs = performance.now() - gt0;
    const batch = 100;
    const [, batchMs] = time(() => { for (let b = 0; b < 30; b++) ledger.appendBatch(Array.from({ length: batch }, (_, j) => event(b * batch + j))); });
    // Fill to n entries in large batches (setup, not measured as durability).
    const [, fillMs] = time(() => {
      for (let i = ledger.size; i < n; i += 10_000) ledger.appendBatch(Array.from({ length: Math.min(10_000, n - i) }, (_, j) => event(i + j)));
      ledger.signHead();
    });
    db.pragma("wal_checkpoint(TRUNCATE)");
    const [report, verifyMs] = time(() => verifyLedger(ledger));
    if (!report.ok) throw new Error(`benchmark ledger does not verify: ${JSON.stringify(report.problems.slice(0, 3))}`);
    const size = ledger.size;
    const root = ledger.root();
    const reps = 2000;
    const idx = Array.from({ length: reps }, (_, i) => Math.floor(((i * 2654435761) % 4294967296) / 4294967296 * size));
    const [paths, inclMs] = time(() => idx.map((i) => ledger.inclusionProof(i, size)));
    const leaves = idx.map((i) => ledger.node(0, i));
    const [okIncl, inclVerifyMs] = time(() => paths.every((p, k) => verifyInclusion(leaves[k]!, idx[k]!, size, p, root)));
    const firsts = idx.map((i) => Math.max(1, i));
    const [cons, consMs] = time(() => firsts.map((m) => ledger.consistencyProof(m, size)));
    const firstRoots = firsts.slice(0, 200).map((m) => ledger.root(m));
    const [okCons, consVerifyMs] = time(() => firstRoots.every((r, k) => verifyConsistency(firsts[k]!, size, r, root, cons[k]!)));
    if (!okIncl || !okCons) throw new Error("a benchmark proof did not verify");
    const dbBytes = statSync(join(dir, "llmos.db")).size;
    db.close();
    return {
      entries: size,
      appends_per_s: Math.round(single / (singleMs / 1000)),
      append_call_us: Math.round((singleMs / single) * 1000),
      grouped_appends_per_s: Math.round(single / (groupedWallMs / 1000)),
      grouped_append_call_us: Math.round((groupedCallMs / single) * 1000),
      appends_per_s_batched_100: Math.round((30 * batch) / (batchMs / 1000)),
      fill_entries_per_s_batched_10000: Math.round((size - single - 30 * batch) / (fillMs / 1000)),
      verify_1e6_ms: Math.round(verifyMs * (1_000_000 / size)),
      verify_ms_measured: Math.round(verifyMs),
      inclusion_proof_us: +((inclMs * 1000) / reps).toFixed(1),
      inclusion_verify_us: +((inclVerifyMs * 1000) / reps).toFixed(1),
      consistency_proof_us: +((consMs * 1000) / reps).toFixed(1),
      consistency_verify_us: +((consVerifyMs * 1000) / firstRoots.length).toFixed(1),
      mean_inclusion_path_len: +(paths.reduce((s, p) => s + p.length, 0) / reps).toFixed(1),
      db_bytes_per_entry: Math.round(dbBytes / size),
      notes: "appends_per_s: one transaction and fsync per entry (synchronous=FULL, WAL) on this machine's disk; grouped_*: appendGrouped, one per event-loop turn, fsync shared off-thread (append_call_us vs grouped_append_call_us is what the caller's thread is blocked); verify recomputes every leaf, row MAC, stored node and signed head",
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
