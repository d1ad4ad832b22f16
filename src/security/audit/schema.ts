// The audit ledger's tables (subsystem "audit"). One row per entry holds its canonical JSON, its
// leaf hash, the interior nodes its append completed (levels 1.., 32 bytes each) and its row MAC.
import { migrate, type Db } from "../../store/index.ts";

const STEPS = [
  `CREATE TABLE audit_entries (
     idx INTEGER PRIMARY KEY,
     entry TEXT NOT NULL,
     leaf BLOB NOT NULL,
     nodes BLOB NOT NULL,
     mac BLOB NOT NULL
   );
   CREATE TABLE audit_heads (
     size INTEGER PRIMARY KEY,
     root BLOB NOT NULL,
     time TEXT NOT NULL,
     key_id TEXT NOT NULL,
     signature BLOB NOT NULL
   );`,
];

export function migrateAudit(db: Db): void {
  migrate(db, "audit", STEPS);
}
