// Test helpers for the ledger: a fresh ledger in a temporary data directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Db } from "../../store/index.ts";
import type { AuditEvent } from "./event.ts";
import { LedgerKeys } from "./keys.ts";
import { AuditLedger } from "./ledger.ts";

export interface TempLedger {
  dir: string;
  dbPath: string;
  db: Db;
  ledger: AuditLedger;
  reopen(): AuditLedger;
  close(): void;
}

export function tempLedger(signEvery = 4): TempLedger {
  const dir = mkdtempSync(join(tmpdir(), "llmos-audit-"));
  const dbPath = join(dir, "llmos.db");
  const db = openDatabase(dbPath);
  const keys = LedgerKeys.forDataDir(dir);
  const ledger = AuditLedger.open(db, { keys, signEvery });
  return {
    dir, dbPath, db, ledger,
    reopen: () => AuditLedger.open(db, { keys: LedgerKeys.forDataDir(dir), signEvery }),
    close: () => { db.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

export const sampleEvent = (i: number): AuditEvent => ({
  who: `key-${i % 3}`, action: i % 2 ? "dataset.read" : "model.infer", resource: `dataset:d${i % 5}`, tenant: "acme",
  decision: i % 7 === 0 ? "deny" : "allow", ...(i % 4 === 0 ? { epsilon: 0.25 } : {}),
});
