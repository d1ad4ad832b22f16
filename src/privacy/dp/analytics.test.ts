// DP analytics end to end through runDpQuery: values near the truth at large ε, the fields every
// answer carries, contribution bounding, group-by, thresholded keys, and clear errors for bad input.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openDatabase } from "../../store/index.ts";
import { DpBudgetStore, type ColumnSpec } from "./budget.ts";
import { runDpQuery } from "./release.ts";
import { RandomSource } from "./rng.ts";
import { parseCsv } from "./table.ts";

const dir = mkdtempSync(join(tmpdir(), "llmos-dp-an-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// 400 users; user u has 1 + (u mod 3) rows; ages 20..69; regions north/south/east, plus one rare "island" user.
const rows: string[] = ["user,age,region,income"];
for (let u = 0; u < 400; u++) {
  for (let k = 0; k <= u % 3; k++) rows.push(`u${u},${20 + ((u * 7 + k) % 50)},${["north", "south", "east"][u % 3]},${1000 + u}`);
}
rows.push(`rare,33,island,5000`);
const csvPath = join(dir, "people.csv");
writeFileSync(csvPath, rows.join("\n") + "\n");
const schema: ColumnSpec[] = [
  { name: "user", type: "string" },
  { name: "age", type: "number" },
  { name: "region", type: "string" },
  { name: "income", type: "number" },
];
const truth = rows.slice(1).map((r) => r.split(","));

const store = new DpBudgetStore(openDatabase(":memory:"));
store.registerDataset({ tenant: "acme", id: "people", owner: "alice", source: csvPath, format: "csv", schema, privacyUnit: "user", epsilonTotal: 1e4, deltaTotal: 0.5 });
const rng = RandomSource.seededForTests("analytics");
const ask = (query: unknown) => runDpQuery(store, { tenant: "acme", dataset: "people", user: "bob", query, rng, allowSeededForTests: true });

test("count bounds each user to max_rows_per_user and carries value, mechanism, scale, ε/δ and CI", () => {
  const one = ask({ type: "count", epsilon: 50 }).answers[0]!;
  assert.ok(Math.abs(one.value - 401) <= 1, `${one.value}`);
  const all = ask({ type: "count", epsilon: 50, max_rows_per_user: 3 }).answers[0]!;
  assert.ok(Math.abs(all.value - truth.length) <= 2);
  assert.equal(all.mechanism, "discrete_laplace");
  assert.ok(all.noise_scale >= 3 / 50 && all.noise_scale < (3 / 50) * (1 + 1e-6)); // scale rounded up to a 20-bit rational
  assert.equal(all.epsilon, 50);
  assert.equal(all.delta, 0);
  assert.ok(all.ci95![0] <= all.value && all.value <= all.ci95![1]);
  const g = ask({ type: "count", epsilon: 1, delta: 1e-6, mechanism: "gaussian" });
  assert.equal(g.answers[0]!.mechanism, "discrete_gaussian");
  assert.ok(g.answers[0]!.noise_scale > 3 && g.answers[0]!.noise_scale < 6);
  assert.equal(g.delta_spent, 1e-6);
});

test("sum, mean and variance with clamping land near the clamped truth", () => {
  const ages = truth.filter((_, i) => i === 0 || truth[i - 1]![0] !== truth[i]![0]).map((r) => Number(r[1])); // first row per user
  const clamped = ages.map((a) => Math.min(60, Math.max(25, a)));
  const sum = clamped.reduce((s, x) => s + x, 0);
  const mean = sum / clamped.length;
  const variance = clamped.reduce((s, x) => s + (x - mean) ** 2, 0) / clamped.length;
  const s = ask({ type: "sum", column: "age", bounds: [25, 60], epsilon: 20 }).answers[0]!;
  assert.ok(Math.abs(s.value - sum) < 20, `sum ${s.value} vs ${sum}`);
  const m = ask({ type: "mean", column: "age", bounds: [25, 60], epsilon: 20 }).answers[0]!;
  assert.ok(Math.abs(m.value - mean) < 0.5, `mean ${m.value} vs ${mean}`);
  assert.ok(m.ci95![0] < m.value && m.value < m.ci95![1] && m.ci95![1] - m.ci95![0] < 2);
  const v = ask({ type: "variance", column: "age", bounds: [25, 60], epsilon: 30 }).answers[0]!;
  assert.ok(Math.abs(v.value - variance) < 0.1 * variance, `variance ${v.value} vs ${variance}`);
});

test("median by the exponential mechanism is near the true median", () => {
  const r = ask({ type: "quantile", column: "income", bounds: [0, 6000], quantiles: [0.5, 0.9], epsilon: 20 });
  const incomes = truth.filter((_, i) => i === 0 || truth[i - 1]![0] !== truth[i]![0]).map((x) => Number(x[3])).sort((a, b) => a - b);
  const med = incomes[Math.floor(incomes.length / 2)]!;
  assert.equal(r.answers.length, 2);
  assert.equal(r.answers[0]!.quantile, 0.5);
  assert.ok(Math.abs(r.answers[0]!.value - med) < 40, `median ${r.answers[0]!.value} vs ${med}`);
  assert.ok(r.answers[1]!.value > r.answers[0]!.value);
  assert.equal(r.answers[0]!.mechanism, "exponential");
  assert.ok(r.answers[0]!.rank_error_95! > 0);
});

test("histogram with a public key set answers every key; thresholding hides the rare one", () => {
  const keyed = ask({ type: "histogram", column: "region", keys: ["north", "south", "east", "island", "nowhere"], epsilon: 20 });
  assert.deepEqual(keyed.answers.map((a) => a.key!.region), ["north", "south", "east", "island", "nowhere"]);
  assert.ok(Math.abs(keyed.answers[0]!.value - 134) <= 2);
  const thresholded = ask({ type: "histogram", column: "region", epsilon: 1, delta: 1e-6 });
  const regions = thresholded.answers.map((a) => a.key!.region).sort();
  assert.deepEqual(regions, ["east", "north", "south"]);
});

test("group_by with a key set: per-group sums", () => {
  const r = ask({ type: "sum", column: "income", bounds: [0, 2000], group_by: ["region"], keys: [["north"], ["south"]], epsilon: 10 });
  assert.equal(r.answers.length, 2);
  const northTruth = truth.filter((x, i) => x[2] === "north" && (i === 0 || truth[i - 1]![0] !== x[0])).reduce((s, x) => s + Math.min(2000, Number(x[3])), 0);
  assert.ok(Math.abs(r.answers[0]!.value - northTruth) < 2000, `${r.answers[0]!.value} vs ${northTruth}`);
});

test("bad input is an InvalidArgumentError naming the field, and spends nothing", () => {
  const before = store.budget("acme", "people");
  const cases: [unknown, string][] = [
    [{ type: "count", epsilon: -1 }, "query.epsilon"],
    [{ type: "count", epsilon: 1, delta: 1 }, "query.delta"],
    [{ type: "sum", column: "age", bounds: [10, 5], epsilon: 1 }, "query.bounds"],
    [{ type: "sum", column: "height", bounds: [0, 1], epsilon: 1 }, "query.column"],
    [{ type: "sum", column: "region", bounds: [0, 1], epsilon: 1 }, "query.column"],
    [{ type: "sum", column: "age", epsilon: 1 }, "query.bounds"],
    [{ type: "count", epsilon: 1, mechanism: "gaussian" }, "query.delta"],
    [{ type: "histogram", column: "region", epsilon: 1 }, "query.delta"],
    [{ type: "count", epsilon: 1, colour: "red" }, "query.colour"],
    [{ type: "median", epsilon: 1 }, "query.type"],
  ];
  for (const [q, field] of cases) assert.throws(() => ask(q), { name: "InvalidArgumentError", field }, JSON.stringify(q));
  assert.equal(store.budget("acme", "people").releases, before.releases);
  // A seeded source is refused for a real release.
  assert.throws(() => runDpQuery(store, { tenant: "acme", dataset: "people", user: "bob", query: { type: "count", epsilon: 1 }, rng }), { field: "rng" });
});

test("NaN in the data is an error naming the column and row, and spends nothing", () => {
  const p = join(dir, "nan.csv");
  writeFileSync(p, "x\n1\nNaN\n3\n");
  store.registerDataset({ tenant: "acme", id: "nan", owner: "alice", source: p, format: "csv", schema: [{ name: "x", type: "number" }], privacyUnit: null, epsilonTotal: 1, deltaTotal: 0 });
  assert.throws(
    () => runDpQuery(store, { tenant: "acme", dataset: "nan", user: "bob", query: { type: "count", epsilon: 0.1 } }),
    (e: unknown) => (e as { field?: string }).field === "column 'x'" && /row 2/.test((e as Error).message),
  );
  assert.equal(store.budget("acme", "nan").releases, 0);
});

test("JSONL datasets work the same way; another tenant cannot query them", () => {
  const p = join(dir, "events.jsonl");
  writeFileSync(p, Array.from({ length: 300 }, (_, i) => JSON.stringify({ uid: `u${i % 100}`, ms: i % 10 })).join("\n") + "\n");
  store.registerDataset({ tenant: "acme", id: "events", owner: "alice", source: p, format: "jsonl", schema: [{ name: "uid", type: "string" }, { name: "ms", type: "integer" }], privacyUnit: "uid", epsilonTotal: 100, deltaTotal: 0 });
  const r = runDpQuery(store, { tenant: "acme", dataset: "events", user: "bob", query: { type: "count", epsilon: 50, max_rows_per_user: 2 } });
  assert.ok(Math.abs(r.answers[0]!.value - 200) <= 2);
  assert.throws(() => runDpQuery(store, { tenant: "evil", dataset: "events", user: "eve", query: { type: "count", epsilon: 1 } }), { code: "not_found" });
});

test("the CSV reader handles quotes, doubled quotes, embedded newlines and CRLF", () => {
  assert.deepEqual(parseCsv('a,b\r\n"x, y","say ""hi"""\n"multi\nline",2\n'), [["a", "b"], ["x, y", 'say "hi"'], ["multi\nline", "2"]]);
});

test("grouped Gaussian counts with several rows per user use the (more conservative) zCDP calibration", async () => {
  const { calibrateDiscreteGaussian, calibrateDiscreteGaussianVector, rdpToDelta, DEFAULT_RDP_ORDERS } = await import("./index.ts");
  const flat = ask({ type: "count", epsilon: 1, delta: 1e-6, mechanism: "gaussian", max_rows_per_user: 2 }).answers[0]!;
  const grouped = ask({ type: "histogram", column: "region", keys: ["north", "south"], epsilon: 1, delta: 1e-6, mechanism: "gaussian", max_rows_per_user: 2 }).answers[0]!;
  assert.ok(grouped.noise_scale > flat.noise_scale);
  const one = calibrateDiscreteGaussian(1, 1e-6, 2);
  const vec = calibrateDiscreteGaussianVector(1, 1e-6, 2);
  assert.ok(vec.num / vec.den > one.num / one.den);
  const s2 = vec.num / vec.den;
  assert.ok(rdpToDelta(DEFAULT_RDP_ORDERS, DEFAULT_RDP_ORDERS.map((a) => (a * 4) / (2 * s2)), 1).delta <= 1e-6);
});
