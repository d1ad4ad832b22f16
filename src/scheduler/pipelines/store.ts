// Pipelines of each tenant, stored in SQLite (subsystem "pipelines").
import { LlmosError, NotFoundError } from "../../errors/index.ts";
import { migrate, type Db, prepared } from "../../store/index.ts";
import { parsePipeline, type PipelineDefinition } from "./definition.ts";

export interface StoredPipeline {
  tenant: string;
  definition: PipelineDefinition;
  createdAt: number;
}

export class PipelineStore {
  constructor(private readonly db: Db) {
    migrate(db, "pipelines", [
      `CREATE TABLE pipelines (tenant TEXT NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (tenant, name))`,
    ]);
  }

  /** Creates or replaces a tenant's pipeline. `clashes` says whether the name is already a model. */
  put(tenant: string, raw: unknown, clashes: (name: string) => boolean): StoredPipeline {
    const definition = parsePipeline(raw);
    if (clashes(definition.name)) throw new LlmosError("conflict", 409, `'${definition.name}' is already a model name; pick another pipeline name`, { data: { field: "name" } });
    const createdAt = Math.floor(Date.now() / 1000);
    prepared(this.db, `INSERT INTO pipelines (tenant, name, definition, created_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (tenant, name) DO UPDATE SET definition = excluded.definition, created_at = excluded.created_at`).run(tenant, definition.name, JSON.stringify(definition), createdAt);
    return { tenant, definition, createdAt };
  }

  get(tenant: string, name: string): StoredPipeline | undefined {
    const row = prepared(this.db, "SELECT definition, created_at FROM pipelines WHERE tenant = ? AND name = ?").get(tenant, name) as { definition: string; created_at: number } | undefined;
    return row ? { tenant, definition: JSON.parse(row.definition) as PipelineDefinition, createdAt: row.created_at } : undefined;
  }

  list(tenant: string): StoredPipeline[] {
    const rows = prepared(this.db, "SELECT definition, created_at FROM pipelines WHERE tenant = ? ORDER BY name").all(tenant) as { definition: string; created_at: number }[];
    return rows.map((r) => ({ tenant, definition: JSON.parse(r.definition) as PipelineDefinition, createdAt: r.created_at }));
  }

  remove(tenant: string, name: string): void {
    if (prepared(this.db, "DELETE FROM pipelines WHERE tenant = ? AND name = ?").run(tenant, name).changes === 0) throw new NotFoundError("pipeline", name);
  }
}
