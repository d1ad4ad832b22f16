// The DP query format: one JSON object, validated with zod; errors name the offending field.
import { z } from "zod";
import { InvalidArgumentError } from "../../errors/index.ts";
import type { ColumnSpec } from "./budget.ts";

const Key = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const DpQuerySchema = z
  .object({
    type: z.enum(["count", "sum", "mean", "variance", "histogram", "quantile"]),
    /** The measured column (sum, mean, variance, quantile) or the category column (histogram). */
    column: z.string().min(1).optional(),
    /** Clamping bounds [lower, upper] of the column's values. */
    bounds: z.tuple([z.number(), z.number()]).optional(),
    epsilon: z.number().gt(0).min(1e-6, "must be at least 1e-6").max(100),
    delta: z.number().min(0).lt(1).default(0),
    /** laplace: pure ε-DP (default); gaussian: (ε, δ)-DP, count and histogram only. */
    mechanism: z.enum(["laplace", "gaussian"]).default("laplace"),
    /** Rows kept per privacy unit (user); the rest of a user's rows are dropped. */
    max_rows_per_user: z.number().int().min(1).max(10000).default(1),
    group_by: z.array(z.string().min(1)).min(1).max(8).optional(),
    /** Public key set: values (histogram) or tuples (group_by). Without it, keys are thresholded (needs δ > 0). */
    keys: z.array(z.union([Key, z.array(Key)])).max(100000).optional(),
    /** Quantile levels in [0, 1]. */
    quantiles: z.array(z.number().min(0).max(1)).min(1).max(32).optional(),
  })
  .strict();

export type DpQuery = z.output<typeof DpQuerySchema>;

function fail(field: string, problem: string): never {
  throw new InvalidArgumentError(`query.${field}`, problem);
}

/** Parses and checks a query against a dataset schema; throws InvalidArgumentError naming the field. */
export function parseDpQuery(input: unknown, schema?: ColumnSpec[]): DpQuery {
  const r = DpQuerySchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.length ? issue.path.join(".") : (issue.code === "unrecognized_keys" ? (issue as { keys?: string[] }).keys?.join(",") ?? "" : "");
    throw new InvalidArgumentError(`query${path ? `.${path}` : ""}`, issue.message);
  }
  const q = r.data;
  const needsColumn = q.type !== "count";
  const needsBounds = ["sum", "mean", "variance", "quantile"].includes(q.type);
  if (needsColumn && !q.column) fail("column", `is required for a ${q.type} query`);
  if (needsBounds && !q.bounds) fail("bounds", `is required for a ${q.type} query`);
  if (q.bounds) {
    const [lo, hi] = q.bounds;
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) fail("bounds", "must be finite numbers");
    if (!(lo < hi)) fail("bounds", "the lower bound must be below the upper bound");
  }
  if (q.mechanism === "gaussian") {
    if (!(q.delta > 0)) fail("delta", "must be > 0 for the gaussian mechanism");
    if (q.type !== "count" && q.type !== "histogram") fail("mechanism", "gaussian is available for count and histogram; use laplace");
  }
  if (q.type === "histogram" && q.group_by) fail("group_by", "a histogram groups by its column; use a count with group_by for several columns");
  const grouped = q.type === "histogram" || q.group_by !== undefined;
  if (grouped && !q.keys) {
    if (q.type !== "count" && q.type !== "histogram") fail("keys", `a grouped ${q.type} needs a public key set`);
    if (!(q.delta > 0)) fail("delta", "must be > 0 to release keys by thresholding; or give a public key set in 'keys'");
  }
  if (q.keys && !grouped) fail("keys", "only applies to a histogram or a query with group_by");
  if (q.quantiles && q.type !== "quantile") fail("quantiles", "only applies to a quantile query");
  if (schema) {
    const byName = new Map(schema.map((c) => [c.name, c]));
    if (q.column !== undefined) {
      const c = byName.get(q.column);
      if (!c) fail("column", `no column '${q.column}' in the dataset`);
      if (needsBounds && c.type !== "number" && c.type !== "integer") fail("column", `'${q.column}' is not numeric`);
    }
    q.group_by?.forEach((g, i) => {
      if (!byName.has(g)) fail(`group_by.${i}`, `no column '${g}' in the dataset`);
    });
  }
  const width = q.type === "histogram" ? 1 : q.group_by?.length ?? 0;
  q.keys?.forEach((k, i) => {
    const tuple = Array.isArray(k) ? k : [k];
    if (tuple.length !== width) fail(`keys.${i}`, `must have ${width} value(s)`);
  });
  return q;
}
