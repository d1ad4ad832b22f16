// `llmos dp dataset add|list|budget`: register a CSV/JSONL dataset with a privacy budget, list them,
// and show what is spent and left. Database: <data-dir>/llmos.db (subsystem "dp").
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, extname, join, resolve } from "node:path";
import { SEALED_SUFFIX, withKernel, writeSealedFile } from "../../security/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { checkSchema, DpBudgetStore, inferSchema, loadTable, type ColumnSpec, type ColumnType } from "../../privacy/dp/index.ts";
import { dataDirFrom, numberFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

export const DP_COMMON_FLAGS = {
  "data-dir": { type: "string" },
  tenant: { type: "string", default: "default" },
  json: { type: "boolean" },
} as const;

const DIR_USAGE = "  --data-dir  the data directory (default ~/.llmos, or LLMOS_DATA_DIR); database <data-dir>/llmos.db";

/** The data directory of the dp commands (shared resolution: --data-dir, LLMOS_DATA_DIR, ~/.llmos). */
export const dpDataDir = dataDirFrom;

/** Runs fn with the DP store of a data directory and always closes it. */
export function withDpStore<T>(dataDir: string, fn: (s: DpBudgetStore) => T): T {
  const store = DpBudgetStore.open(join(dataDir, "llmos.db"));
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

export function localUser(): string {
  try {
    return userInfo().username || "local";
  } catch {
    return "local";
  }
}

/** "age:number,region:string" or a JSON file with [{name, type}]. */
function schemaFrom(value: string): ColumnSpec[] {
  let schema: ColumnSpec[];
  if (value.endsWith(".json")) {
    try {
      schema = JSON.parse(readFileSync(value, "utf8")) as ColumnSpec[];
    } catch (cause) {
      throw new InvalidArgumentError("--schema", `cannot read the schema file '${value}'`, { cause });
    }
  } else {
    schema = value.split(",").map((part) => {
      const [name, type] = part.split(":").map((s) => s.trim());
      return { name: name ?? "", type: (type ?? "string") as ColumnType };
    });
  }
  checkSchema(schema);
  return schema;
}

export const dpDatasetAddCommand: Command = {
  path: ["dp", "dataset", "add"],
  summary: "Register a CSV or JSONL dataset with a total (ε, δ) privacy budget",
  usage: [
    "llmos dp dataset add <file.csv|file.jsonl> --id ID --epsilon E [--delta D] [--schema 'col:type,…'|schema.json]",
    "       [--privacy-unit COLUMN] [--owner NAME] [--format csv|jsonl] [--tenant T] [--data-dir D] [--json]",
    "  types: number, integer, string, boolean (guessed from the first 1000 rows without --schema)",
    "  --privacy-unit: the user-id column (default: each row is a unit)",
    "  The file is copied into the data directory sealed at rest (AES-256-GCM); --in-place registers it where it is instead.",
    DIR_USAGE,
  ].join("\n"),
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, {
      ...DP_COMMON_FLAGS,
      id: { type: "string" },
      schema: { type: "string" },
      epsilon: { type: "string" },
      delta: { type: "string" },
      "privacy-unit": { type: "string" },
      owner: { type: "string" },
      format: { type: "string" },
      "in-place": { type: "boolean" },
    });
    if (positionals.length !== 1) throw new InvalidArgumentError("file", "give exactly one CSV or JSONL file");
    if (!values.id) throw new InvalidArgumentError("--id", "is required");
    const epsilon = numberFlag("epsilon", values.epsilon);
    if (epsilon === undefined) throw new InvalidArgumentError("--epsilon", "is required");
    const delta = numberFlag("delta", values.delta) ?? 0;
    const source = resolve(positionals[0]!);
    const format = values.format ?? (extname(source).toLowerCase() === ".jsonl" ? "jsonl" : "csv");
    if (format !== "csv" && format !== "jsonl") throw new InvalidArgumentError("--format", `must be csv or jsonl, got '${format}'`);
    const schema = values.schema ? schemaFrom(values.schema) : inferSchema(source, format);
    const unit = values["privacy-unit"] ?? null;
    if (unit !== null && !schema.some((c) => c.name === unit)) throw new InvalidArgumentError("--privacy-unit", `column '${unit}' is not in the schema`);
    const table = loadTable(source, format, schema); // validates header, types and NaN before registering
    const dataDir = dpDataDir(values["data-dir"]);
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(values.tenant)) throw new InvalidArgumentError("--tenant", "must be 1-64 letters, digits, '_', '.', '-'");
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(values.id)) throw new InvalidArgumentError("--id", "must be 1-64 letters, digits, '_', '.', '-'");
    // Default: a copy sealed at rest (AES-256-GCM envelope) in the data directory; --in-place keeps using the file where it is.
    let stored = source;
    if (!values["in-place"]) {
      stored = join(dataDir, "datasets", values.tenant, `${values.id}.${format}${SEALED_SUFFIX}`);
      if (existsSync(stored)) throw new InvalidArgumentError("--id", `a dataset '${values.id}' is already stored for this tenant`);
      mkdirSync(dirname(stored), { recursive: true, mode: 0o700 });
      await withKernel(dataDir, (k) => writeSealedFile(k.cipher, stored, readFileSync(source)));
    }
    const d = withDpStore(dataDir, (s) =>
      s.registerDataset({ tenant: values.tenant, id: values.id!, owner: values.owner ?? localUser(), source: stored, format, schema, privacyUnit: unit, epsilonTotal: epsilon, deltaTotal: delta }),
    );
    if (values.json) ctx.stdout.write(`${JSON.stringify({ ...d, rows: table.rowCount })}\n`);
    else ctx.stdout.write(`registered dataset '${d.id}' (${table.rowCount} rows, ${schema.length} columns) with budget ε=${d.epsilonTotal}, δ=${d.deltaTotal}\n`);
    return 0;
  },
};

export const dpDatasetListCommand: Command = {
  path: ["dp", "dataset", "list"],
  summary: "List the DP datasets of a tenant with their budgets",
  usage: ["llmos dp dataset list [--tenant T] [--data-dir D] [--json]", DIR_USAGE].join("\n"),
  async run(argv, ctx) {
    const { values } = parseFlags(argv, DP_COMMON_FLAGS, false);
    const rows = withDpStore(dpDataDir(values["data-dir"]), (s) => s.listDatasets(values.tenant).map((d) => ({ ...d, budget: s.budget(d.tenant, d.id) })));
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify(rows)}\n`);
      return 0;
    }
    if (rows.length === 0) ctx.stdout.write("no datasets\n");
    for (const r of rows) ctx.stdout.write(`${r.id}  owner ${r.owner}  ${r.format}  ε left ${r.budget.epsilon_remaining} of ${r.epsilonTotal}  δ left ${r.budget.delta_remaining} of ${r.deltaTotal}  ${r.budget.releases} releases\n`);
    return 0;
  },
};

export const dpDatasetBudgetCommand: Command = {
  path: ["dp", "dataset", "budget"],
  summary: "Show the privacy budget of a dataset: total, spent, left, and spend per user",
  usage: ["llmos dp dataset budget <id> [--tenant T] [--data-dir D] [--json]", DIR_USAGE].join("\n"),
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, DP_COMMON_FLAGS);
    if (positionals.length !== 1) throw new InvalidArgumentError("id", "give exactly one dataset id");
    const id = positionals[0]!;
    const r = withDpStore(dpDataDir(values["data-dir"]), (s) => s.report(values.tenant, id));
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify(r)}\n`);
      return 0;
    }
    ctx.stdout.write(`${id}: ε spent ${r.epsilon_spent} of ${r.epsilon_total} (left ${r.epsilon_remaining}); δ spent ${r.delta_spent} of ${r.delta_total} (left ${r.delta_remaining}); ${r.releases} releases\n`);
    for (const u of r.by_user) ctx.stdout.write(`  ${u.user}: ε ${u.epsilon}, δ ${u.delta}, ${u.releases} releases\n`);
    return 0;
  },
};
