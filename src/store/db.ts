// The embedded SQLite store: one database file per data directory, WAL journal, and per-subsystem
// migrations so each subsystem owns its tables without a central schema file.
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { CorruptFileError } from "../errors/index.ts";

export type Db = Database.Database;

/** Opens (creating if needed) the database at `path`; ":memory:" gives a private in-memory one. */
export function openDatabase(path: string): Db {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  let db: Db;
  try {
    db = new Database(path);
    // WAL: readers never block the writer; synchronous=FULL makes a commit durable before it returns
    // (invariant 5: an acknowledged write survives a crash).
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (subsystem TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (subsystem, version))");
  } catch (cause) {
    throw new CorruptFileError(path, `not a usable SQLite database (${(cause as Error).message})`, { cause });
  }
  return db;
}

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * `db.prepare(sql)`, compiled once per database and reused: the request path's lookups (key,
 * model, alias) otherwise spend more time compiling SQL than running it (bench: serve). Only for
 * get/all/run, not iterate (a statement is busy while an iterator is open).
 */
export function prepared(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let st = cache.get(sql);
  if (!st) cache.set(sql, (st = db.prepare(sql)));
  else if (st.reader) st.pluck(false); // a site that plucked must not change what another site reads
  return st;
}

/**
 * Applies the migrations of one subsystem that this database has not seen yet, each in its own
 * transaction. `steps[i]` is version i+1; never edit a step that has shipped, append a new one.
 */
export function migrate(db: Db, subsystem: string, steps: readonly string[]): void {
  const row = db.prepare("SELECT MAX(version) AS v FROM schema_migrations WHERE subsystem = ?").get(subsystem) as { v: number | null };
  const applied = row.v ?? 0;
  if (applied > steps.length) {
    throw new CorruptFileError(db.name, `schema of '${subsystem}' is at version ${applied}, newer than this llmos knows (${steps.length}); upgrade llmos`);
  }
  for (let v = applied + 1; v <= steps.length; v++) {
    db.transaction(() => {
      db.exec(steps[v - 1]!);
      db.prepare("INSERT INTO schema_migrations (subsystem, version) VALUES (?, ?)").run(subsystem, v);
    })();
  }
}
