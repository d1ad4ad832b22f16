// DP analytics through the running service: queries debit the dataset's budget, a data-use contract
// is enforced with the refusing clause named, other tenants see nothing, and releases are audited.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { newAdminKey, runLlmos, serverEnv, startServer, type RunningServer } from "./helpers/server.ts";
import { tempDir } from "./helpers/tmp.ts";

const ADMIN = newAdminKey();
const dir = tempDir();
const data = join(dir, "data");
let server: RunningServer;
let owner = "", analyst = "", stranger = "";

const call = (key: string, method: string, path: string, body?: unknown) =>
  fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

before(async () => {
  const rows = ["patient,age,ward"];
  for (let i = 0; i < 500; i++) rows.push(`p${i % 250},${20 + (i % 60)},${["A", "B", "C"][i % 3]}`);
  writeFileSync(join(dir, "visits.csv"), `${rows.join("\n")}\n`);
  const add = await runLlmos(["dp", "dataset", "add", join(dir, "visits.csv"), "--id", "visits", "--epsilon", "3", "--delta", "1e-6", "--privacy-unit", "patient", "--tenant", "clinic", "--data-dir", data]);
  assert.equal(add.code, 0, add.stderr);
  server = await startServer(["--data-dir", data], serverEnv(ADMIN));
  const key = async (role: string, tenant: string) => ((await (await call(ADMIN, "POST", "/v1/os/keys", { role, tenant })).json()) as { key: string }).key;
  owner = await key("data-owner", "clinic");
  analyst = await key("analyst", "clinic");
  stranger = await key("analyst", "other");
});

after(async () => server?.stop());

test("a DP count answers with mechanism, noise scale and CI, and debits the budget", async () => {
  const r = await call(analyst, "POST", "/v1/os/dp/query", { dataset: "visits", query: { type: "count", epsilon: 1 } });
  assert.equal(r.status, 200, await r.clone().text());
  const body = (await r.json()) as { epsilon_spent: number; budget_remaining: { epsilon: number }; answers: { value: number; mechanism: string; noise_scale: number; ci95: [number, number] }[] };
  assert.equal(body.epsilon_spent, 1);
  assert.ok(Math.abs(body.budget_remaining.epsilon - 2) < 1e-9);
  const a = body.answers[0]!;
  assert.equal(a.mechanism, "discrete_laplace");
  assert.ok(a.noise_scale > 0 && a.ci95[0] < a.ci95[1]);
  assert.ok(Math.abs(a.value - 250) < 40, `count ${a.value} far from 250 patients`);
  const budget = (await (await call(analyst, "GET", "/v1/os/dp/datasets/visits/budget")).json()) as { epsilon_spent: number; by_user: unknown[] };
  assert.equal(budget.epsilon_spent, 1);
  assert.equal(budget.by_user.length, 1);
});

test("another tenant gets 404; bad queries get 400 naming the field and spend nothing", async () => {
  assert.equal((await call(stranger, "POST", "/v1/os/dp/query", { dataset: "visits", query: { type: "count", epsilon: 1 } })).status, 404);
  assert.equal((await call(stranger, "GET", "/v1/os/dp/datasets/visits/budget")).status, 404);
  for (const [query, field] of [[{ type: "count", epsilon: -1 }, /epsilon/], [{ type: "mean", column: "age", bounds: [90, 10], epsilon: 0.1 }, /bounds/], [{ type: "sum", column: "nope", bounds: [0, 1], epsilon: 0.1 }, /column/]] as const) {
    const r = await call(analyst, "POST", "/v1/os/dp/query", { dataset: "visits", query });
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { error: { message: string } }).error.message, field);
  }
  const budget = (await (await call(analyst, "GET", "/v1/os/dp/datasets/visits/budget")).json()) as { epsilon_spent: number };
  assert.equal(budget.epsilon_spent, 1);
});

test("the data-use contract is enforced: the refusing clause is named; an exhausted budget is 403 with what is left", async () => {
  const attach = await call(owner, "PUT", "/v1/os/contracts/dataset/visits", { purposes: ["dp-analytics"], models: { local: false, remote: [] }, piiPolicy: "anonymize", epsilonPerRelease: 0.5, epsilonTotal: 10 });
  assert.equal(attach.status, 200, await attach.clone().text());
  const over = await call(analyst, "POST", "/v1/os/dp/query", { dataset: "visits", query: { type: "count", epsilon: 0.8 } });
  assert.equal(over.status, 403);
  const err = ((await over.json()) as { error: { param: string; message: string } }).error;
  assert.equal(err.param, "epsilonPerRelease");
  const ok = await call(analyst, "POST", "/v1/os/dp/query", { dataset: "visits", query: { type: "histogram", column: "ward", keys: ["A", "B", "C"], epsilon: 0.5 } });
  assert.equal(ok.status, 200);
  for (let i = 0; i < 3; i++) await call(analyst, "POST", "/v1/os/dp/query", { dataset: "visits", query: { type: "count", epsilon: 0.5 } });
  const spent = await call(analyst, "POST", "/v1/os/dp/query", { dataset: "visits", query: { type: "count", epsilon: 0.5 } });
  assert.equal(spent.status, 403);
  assert.match(((await spent.json()) as { error: { message: string } }).error.message, /left|remaining/i);
});

test("every release is on the audit ledger with its ε, and the ledger verifies", async () => {
  const tail = await runLlmos(["audit", "tail", "-n", "100", "--json", "--data-dir", data]);
  const events = tail.stdout.trim().split("\n").flatMap((l) => { try { const j = JSON.parse(l); return Array.isArray(j) ? j : [j]; } catch { return []; } }) as { action: string; epsilon?: number; decision: string; clause?: string }[];
  const releases = events.filter((e) => e.action === "dp.release");
  assert.equal(releases.length, 5);
  assert.ok(Math.abs(releases.reduce((s, e) => s + (e.epsilon ?? 0), 0) - 3) < 1e-9);
  assert.ok(events.some((e) => e.action === "contract.check" && e.decision === "deny" && e.clause === "epsilonPerRelease"));
  assert.equal((await runLlmos(["audit", "verify", "--data-dir", data])).code, 0);
});

test("the dataset is sealed at rest; a flipped bit is an integrity error and spends nothing", async () => {
  const { readFileSync, writeFileSync: write } = await import("node:fs");
  const sealed = join(data, "datasets", "clinic", "visits.csv.sealed");
  const bytes = readFileSync(sealed);
  assert.ok(!bytes.toString("latin1").includes("patient,age,ward"), "the stored copy is plaintext");
  const before = ((await (await call(analyst, "GET", "/v1/os/dp/datasets/visits/budget")).json()) as { epsilon_spent: number }).epsilon_spent;
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 40]! ^= 0x01;
  write(sealed, flipped);
  try {
    // Past the contract's per-release limit would be refused first; 0.1 is within it.
    const r = await call(analyst, "POST", "/v1/os/dp/query", { dataset: "visits", query: { type: "count", epsilon: 0.1 } });
    assert.ok(r.status === 422 || r.status === 403, `status ${r.status}`);
    if (r.status === 422) assert.match(((await r.json()) as { error: { message: string } }).error.message, /integrity|authenticat|tamper|corrupt/i);
    const after = ((await (await call(analyst, "GET", "/v1/os/dp/datasets/visits/budget")).json()) as { epsilon_spent: number }).epsilon_spent;
    assert.equal(after, before);
  } finally {
    write(sealed, bytes);
  }
});
