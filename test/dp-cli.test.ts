// The dp commands through runCli (captured streams) and through a real node process, with a
// temporary data directory: epsilon/noise, dataset add/list/budget, query, and error exit codes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, test } from "node:test";
import { dpDatasetAddCommand, dpDatasetBudgetCommand, dpDatasetListCommand } from "../src/cli/commands/dp-dataset.ts";
import { dpEpsilonCommand } from "../src/cli/commands/dp-epsilon.ts";
import { dpNoiseCommand } from "../src/cli/commands/dp-noise.ts";
import { dpQueryCommand } from "../src/cli/commands/dp-query.ts";
import { runCli } from "../src/cli/run.ts";

const commands = [dpEpsilonCommand, dpNoiseCommand, dpDatasetAddCommand, dpDatasetListCommand, dpDatasetBudgetCommand, dpQueryCommand];
const dir = mkdtempSync(join(tmpdir(), "llmos-dp-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const sink = (f: (s: string) => void) => new Writable({ write(chunk, _enc, cb) { f(String(chunk)); cb(); } });
  const code = await runCli(commands, argv, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), debug: false });
  return { code, out, err };
}

test("dp epsilon prints ε by RDP and PLD, and JSON with --json", async () => {
  const base = ["dp", "epsilon", "--noise-multiplier", "1.5", "--sampling-rate", "0.04", "--steps", "2250", "--delta", "1e-5"];
  const rdp = await cli(...base, "--json");
  assert.equal(rdp.code, 0, rdp.err);
  assert.ok(Math.abs(JSON.parse(rdp.out).epsilon - 7.32933) < 1e-5);
  const pld = await cli(...base, "--accountant", "pld", "--json");
  assert.ok(Math.abs(JSON.parse(pld.out).epsilon - 6.7688) < 6.7688e-3);
  const text = await cli(...base);
  assert.match(text.out, /^ε = 7\.329/);
});

test("dp noise inverts dp epsilon", async () => {
  const r = await cli("dp", "noise", "--epsilon", "7.32933", "--delta", "1e-5", "--sampling-rate", "0.04", "--steps", "2250", "--json");
  assert.equal(r.code, 0, r.err);
  assert.ok(Math.abs(JSON.parse(r.out).noise_multiplier - 1.5) < 1e-3);
});

test("bad flags exit 2 with the flag named", async () => {
  const r = await cli("dp", "epsilon", "--noise-multiplier", "1", "--sampling-rate", "0.1", "--steps", "10", "--delta", "1.5");
  assert.equal(r.code, 2);
  assert.match(r.err, /delta/);
  const a = await cli("dp", "epsilon", "--noise-multiplier", "1", "--sampling-rate", "0.1", "--steps", "10", "--delta", "1e-5", "--accountant", "moments");
  assert.equal(a.code, 2);
  assert.match(a.err, /--accountant/);
});

test("dataset add, query until the budget runs out, list and budget", async () => {
  const csv = join(dir, "people.csv");
  writeFileSync(csv, "user,age\n" + Array.from({ length: 300 }, (_, i) => `u${i % 150},${20 + (i % 40)}`).join("\n") + "\n");
  const q = join(dir, "q.json");
  writeFileSync(q, JSON.stringify({ type: "mean", column: "age", bounds: [0, 100], epsilon: 0.4 }));
  const dd = ["--data-dir", dir];
  const add = await cli("dp", "dataset", "add", csv, "--id", "people", "--schema", "user:string,age:number", "--privacy-unit", "user", "--epsilon", "1", "--owner", "alice", ...dd);
  assert.equal(add.code, 0, add.err);
  assert.match(add.out, /300 rows/);
  const first = await cli("dp", "query", "--dataset", "people", "--query", q, "--user", "bob", "--json", ...dd);
  assert.equal(first.code, 0, first.err);
  const res = JSON.parse(first.out);
  assert.equal(res.answers[0].mechanism, "discrete_laplace");
  assert.equal(res.budget_remaining.epsilon, 0.6);
  assert.equal((await cli("dp", "query", "--dataset", "people", "--query", q, ...dd)).code, 0);
  const refused = await cli("dp", "query", "--dataset", "people", "--query", q, ...dd);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /budget .* exceeded.*only ε=0\.2/);
  const list = await cli("dp", "dataset", "list", "--json", ...dd);
  assert.equal(JSON.parse(list.out)[0].budget.releases, 2);
  const budget = await cli("dp", "dataset", "budget", "people", "--json", ...dd);
  const b = JSON.parse(budget.out);
  assert.ok(Math.abs(b.epsilon_remaining - 0.2) < 1e-12);
  assert.equal(b.by_user.find((u: { user: string }) => u.user === "bob").releases, 1);
  // Another tenant sees nothing.
  assert.equal((await cli("dp", "dataset", "budget", "people", "--tenant", "other", ...dd)).code, 2);
  // Without --schema the column types are guessed from the file.
  const guessed = await cli("dp", "dataset", "add", csv, "--id", "people2", "--epsilon", "1", "--json", ...dd);
  assert.equal(guessed.code, 0, guessed.err);
  assert.deepEqual(JSON.parse(guessed.out).schema, [{ name: "user", type: "string" }, { name: "age", type: "integer" }]);
  // A query file with an unknown column is refused, naming the field.
  writeFileSync(q, JSON.stringify({ type: "sum", column: "height", bounds: [0, 1], epsilon: 0.1 }));
  const bad = await cli("dp", "query", "--dataset", "people", "--query", q, ...dd);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /query\.column/);
});

test("a real process: the commands run from a node process with exit codes and stdout", () => {
  const script = [
    'import { runCli } from "./src/cli/run.ts";',
    'import { dpEpsilonCommand } from "./src/cli/commands/dp-epsilon.ts";',
    "process.exitCode = await runCli([dpEpsilonCommand], process.argv.slice(1), { stdout: process.stdout, stderr: process.stderr, debug: false });",
  ].join("\n");
  const run = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, ...args], { cwd: new URL("..", import.meta.url).pathname, encoding: "utf8" });
  const ok = run(["dp", "epsilon", "--noise-multiplier", "1.3", "--sampling-rate", "0.0025", "--steps", "6000", "--delta", "1e-5", "--json"]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(JSON.parse(ok.stdout).epsilon > 0.5);
  const bad = run(["dp", "epsilon", "--noise-multiplier", "x", "--sampling-rate", "0.1", "--steps", "5", "--delta", "1e-5"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--noise-multiplier/);
});
