// Per-dataset privacy budgets in SQLite (subsystem "dp"). Every release is debited in one IMMEDIATE
// transaction that reads what was spent, refuses an overspend and appends to the ledger, so several
// connections or processes on one database file can never overspend (DESIGN.md invariant 2).
// Amounts are stored as integers (ε in 1e-9, δ in 1e-15 units; spends rounded up, totals down) so
// fifty releases of ε = 0.02 exactly fill a budget of 1 instead of failing on float rounding.
import { InvalidArgumentError, NotFoundError } from "../../errors/index.ts";
import { migrate, openDatabase, type Db } from "../../store/index.ts";
import { BudgetExceededError } from "./errors.ts";

const EPS_UNIT = 1e-9;
const DELTA_UNIT = 1e-15;
// Division by the exact integer 1e9 / 1e15 rounds correctly (20000000 units → 0.02, not 0.020000000000000004).
const eps = (units: number) => units / 1e9;
const del = (units: number) => units / 1e15;
const SLACK = 1e-12; // relative; absorbs the binary representation error of decimal inputs

const MIGRATIONS = [
  `CREATE TABLE dp_datasets (
     tenant TEXT NOT NULL,
     id TEXT NOT NULL,
     owner TEXT NOT NULL,
     source TEXT NOT NULL,
     format TEXT NOT NULL,
     schema_json TEXT NOT NULL,
     privacy_unit TEXT,
     epsilon_total INTEGER NOT NULL,
     delta_total INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     PRIMARY KEY (tenant, id)
   );
   CREATE TABLE dp_ledger (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     tenant TEXT NOT NULL,
     dataset_id TEXT NOT NULL,
     user TEXT NOT NULL,
     epsilon INTEGER NOT NULL,
     delta INTEGER NOT NULL,
     mechanism TEXT NOT NULL,
     query_json TEXT NOT NULL,
     created_at TEXT NOT NULL,
     FOREIGN KEY (tenant, dataset_id) REFERENCES dp_datasets (tenant, id)
   );
   CREATE INDEX dp_ledger_by_dataset ON dp_ledger (tenant, dataset_id);`,
];

export type ColumnType = "number" | "integer" | "string" | "boolean";
export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

export interface DatasetRecord {
  tenant: string;
  id: string;
  owner: string;
  /** Path of the CSV or JSONL file. */
  source: string;
  format: "csv" | "jsonl";
  schema: ColumnSpec[];
  /** Column holding the user id (the privacy unit); absent: each row is its own unit. */
  privacyUnit: string | null;
  epsilonTotal: number;
  deltaTotal: number;
  createdAt: string;
}

export interface BudgetStatus {
  dataset: string;
  epsilon_total: number;
  delta_total: number;
  epsilon_spent: number;
  delta_spent: number;
  epsilon_remaining: number;
  delta_remaining: number;
  releases: number;
}

export interface LedgerEntry {
  seq: number;
  user: string;
  epsilon: number;
  delta: number;
  mechanism: string;
  query: unknown;
  createdAt: string;
}

function unitsUp(x: number, unit: number): number {
  if (x === 0) return 0;
  return Math.max(1, Math.ceil((x / unit) * (1 - SLACK)));
}
function unitsDown(x: number, unit: number): number {
  return Math.floor((x / unit) * (1 + SLACK));
}

function checkCost(field: string, epsilon: number, delta: number, strict: boolean): void {
  if (!Number.isFinite(epsilon) || epsilon < 0 || (strict && epsilon === 0)) throw new InvalidArgumentError(`${field}.epsilon`, `must be a finite number ${strict ? ">" : "≥"} 0, got ${epsilon}`);
  if (!(delta >= 0 && delta < 1)) throw new InvalidArgumentError(`${field}.delta`, `must be in [0, 1), got ${delta}`);
}

interface DatasetRow {
  tenant: string;
  id: string;
  owner: string;
  source: string;
  format: string;
  schema_json: string;
  privacy_unit: string | null;
  epsilon_total: number;
  delta_total: number;
  created_at: string;
}

function toRecord(r: DatasetRow): DatasetRecord {
  return {
    tenant: r.tenant, id: r.id, owner: r.owner, source: r.source, format: r.format as "csv" | "jsonl",
    schema: JSON.parse(r.schema_json) as ColumnSpec[], privacyUnit: r.privacy_unit,
    epsilonTotal: eps(r.epsilon_total), deltaTotal: del(r.delta_total), createdAt: r.created_at,
  };
}

/** The DP budget store over one SQLite database. */
export class DpBudgetStore {
  readonly db: Db;
  private readonly ownsDb: boolean;

  constructor(db: Db, ownsDb = false) {
    this.db = db;
    this.ownsDb = ownsDb;
    migrate(db, "dp", MIGRATIONS);
  }

  /** Opens (creating if needed) the database file, e.g. <data-dir>/llmos.db. */
  static open(path: string): DpBudgetStore {
    return new DpBudgetStore(openDatabase(path), true);
  }

  close(): void {
    if (this.ownsDb) this.db.close();
  }

  registerDataset(d: Omit<DatasetRecord, "createdAt">): DatasetRecord {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(d.id)) throw new InvalidArgumentError("dataset.id", "must be 1-64 characters of letters, digits, '_', '.', '-'");
    if (!d.tenant) throw new InvalidArgumentError("dataset.tenant", "must not be empty");
    if (!d.owner) throw new InvalidArgumentError("dataset.owner", "must not be empty");
    checkCost("dataset.budget", d.epsilonTotal, d.deltaTotal, true);
    const createdAt = new Date().toISOString();
    const insert = this.db.prepare(
      `INSERT INTO dp_datasets (tenant, id, owner, source, format, schema_json, privacy_unit, epsilon_total, delta_total, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      if (this.db.prepare("SELECT 1 FROM dp_datasets WHERE tenant = ? AND id = ?").get(d.tenant, d.id)) {
        throw new InvalidArgumentError("dataset.id", `a dataset '${d.id}' already exists for this tenant`);
      }
      insert.run(d.tenant, d.id, d.owner, d.source, d.format, JSON.stringify(d.schema), d.privacyUnit,
        unitsDown(d.epsilonTotal, EPS_UNIT), unitsDown(d.deltaTotal, DELTA_UNIT), createdAt);
    }).immediate();
    return this.getDataset(d.tenant, d.id);
  }

  /** A dataset of this tenant; another tenant's dataset is NotFound (invariant 4). */
  getDataset(tenant: string, id: string): DatasetRecord {
    const row = this.db.prepare("SELECT * FROM dp_datasets WHERE tenant = ? AND id = ?").get(tenant, id) as DatasetRow | undefined;
    if (!row) throw new NotFoundError("dataset", id, "register it with 'llmos dp dataset add'");
    return toRecord(row);
  }

  listDatasets(tenant: string): DatasetRecord[] {
    return (this.db.prepare("SELECT * FROM dp_datasets WHERE tenant = ? ORDER BY id").all(tenant) as DatasetRow[]).map(toRecord);
  }

  private spentUnits(tenant: string, id: string): { eps: number; delta: number; n: number } {
    const r = this.db
      .prepare("SELECT COALESCE(SUM(epsilon), 0) AS eps, COALESCE(SUM(delta), 0) AS delta, COUNT(*) AS n FROM dp_ledger WHERE tenant = ? AND dataset_id = ?")
      .get(tenant, id) as { eps: number; delta: number; n: number };
    return r;
  }

  /** The dataset's total budget in units; NotFoundError for an unknown dataset. */
  private totals(tenant: string, id: string): { epsilon_total: number; delta_total: number } {
    const row = this.db.prepare("SELECT epsilon_total, delta_total FROM dp_datasets WHERE tenant = ? AND id = ?").get(tenant, id) as
      | { epsilon_total: number; delta_total: number }
      | undefined;
    if (!row) throw new NotFoundError("dataset", id);
    return row;
  }

  budget(tenant: string, id: string): BudgetStatus {
    return this.db.transaction(() => {
      const row = this.totals(tenant, id);
      const s = this.spentUnits(tenant, id);
      return {
        dataset: id,
        epsilon_total: eps(row.epsilon_total),
        delta_total: del(row.delta_total),
        epsilon_spent: eps(s.eps),
        delta_spent: del(s.delta),
        epsilon_remaining: eps(Math.max(0, row.epsilon_total - s.eps)),
        delta_remaining: del(Math.max(0, row.delta_total - s.delta)),
        releases: s.n,
      };
    })();
  }

  /**
   * Debits (ε, δ) for one release, atomically: BEGIN IMMEDIATE takes the write lock before the spent
   * total is read, so concurrent debits from any connection are serialised. Throws
   * BudgetExceededError (nothing recorded) when the budget would be overspent.
   */
  debit(tenant: string, id: string, cost: { epsilon: number; delta: number }, meta: { user: string; mechanism: string; query?: unknown }): { seq: number; remaining: { epsilon: number; delta: number } } {
    checkCost("cost", cost.epsilon, cost.delta, false);
    const e = unitsUp(cost.epsilon, EPS_UNIT);
    const d = unitsUp(cost.delta, DELTA_UNIT);
    return this.db.transaction(() => {
      const row = this.totals(tenant, id);
      const s = this.spentUnits(tenant, id);
      const leftE = row.epsilon_total - s.eps;
      const leftD = row.delta_total - s.delta;
      if (e > leftE || d > leftD) {
        throw new BudgetExceededError(id, cost, { epsilon: eps(Math.max(0, leftE)), delta: del(Math.max(0, leftD)) });
      }
      const info = this.db
        .prepare("INSERT INTO dp_ledger (tenant, dataset_id, user, epsilon, delta, mechanism, query_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .run(tenant, id, meta.user, e, d, meta.mechanism, JSON.stringify(meta.query ?? null), new Date().toISOString());
      return { seq: Number(info.lastInsertRowid), remaining: { epsilon: eps(leftE - e), delta: del(leftD - d) } };
    }).immediate();
  }

  ledger(tenant: string, id: string): LedgerEntry[] {
    const rows = this.db
      .prepare("SELECT seq, user, epsilon, delta, mechanism, query_json, created_at FROM dp_ledger WHERE tenant = ? AND dataset_id = ? ORDER BY seq")
      .all(tenant, id) as { seq: number; user: string; epsilon: number; delta: number; mechanism: string; query_json: string; created_at: string }[];
    return rows.map((r) => ({ seq: r.seq, user: r.user, epsilon: eps(r.epsilon), delta: del(r.delta), mechanism: r.mechanism, query: JSON.parse(r.query_json), createdAt: r.created_at }));
  }

  /** The budget with the spend per user: GET /v1/os/dp/datasets/:id/budget and `llmos dp dataset budget`. */
  report(tenant: string, id: string): BudgetStatus & { by_user: { user: string; epsilon: number; delta: number; releases: number }[] } {
    return { ...this.budget(tenant, id), by_user: this.spendByUser(tenant, id) };
  }

  /** Spend per user of one dataset. */
  spendByUser(tenant: string, id: string): { user: string; epsilon: number; delta: number; releases: number }[] {
    const rows = this.db
      .prepare("SELECT user, SUM(epsilon) AS e, SUM(delta) AS d, COUNT(*) AS n FROM dp_ledger WHERE tenant = ? AND dataset_id = ? GROUP BY user ORDER BY user")
      .all(tenant, id) as { user: string; e: number; d: number; n: number }[];
    return rows.map((r) => ({ user: r.user, epsilon: eps(r.e), delta: del(r.d), releases: r.n }));
  }
}
