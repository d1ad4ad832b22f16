// Every job protocol, run by in-memory parties, against the plaintext computation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { jobHash, parseJob, type MpcAuditEvent } from "./job.ts";
import { runLocal } from "./local.ts";
import { binOf } from "./protocols/intersection.ts";
import { plainForward } from "./protocols/inference.ts";
import { plainRegression } from "./protocols/regression.ts";
import { runJob } from "./protocols/run.ts";
import { runParty } from "./party.ts";

const near = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

async function run(rawJob: unknown, inputs: Record<number, unknown>) {
  const job = parseJob(rawJob);
  const events: MpcAuditEvent[] = [];
  const outs = await runLocal(job.parties, async (s) => (await runJob(s, job, inputs[s.id], (e) => events.push(e))).output);
  return { outs, events, job };
}

test("secure sum: elementwise over three parties, only the named party learns it; audit records", async () => {
  const { outs, events, job } = await run(
    { id: "sum-1", parties: 3, protocol: "sum", inputs: [0, 1, 2], outputTo: [1], params: { length: 3 } },
    { 0: [1, 2, 3.5], 1: [10, -20, 0.25], 2: [100, 200, -1] },
  );
  assert.equal(outs[0], null);
  assert.equal(outs[2], null);
  const sum = (outs[1] as { sum: number[] }).sum;
  [111, 182, 2.75].forEach((v, i) => near(sum[i]!, v, 1e-4));
  assert.equal(events.length, 3);
  assert.deepEqual(events.map((e) => e.learnedOutput).sort(), [false, false, true]);
  assert.ok(events.every((e) => e.jobHash === jobHash(job) && e.status === "ok" && e.outputTo[0] === 1));
});

test("mean, variance and histogram equal the plaintext statistics", async () => {
  const data = { 0: [1, 2, 3, 4], 1: [10, 20], 2: [-5.5] };
  const all = Object.values(data).flat();
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const variance = all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length;
  const m = (await run({ id: "m", parties: 3, protocol: "mean", inputs: [0, 1, 2], outputTo: [0, 2], params: {} }, data)).outs;
  near((m[0] as { mean: number }).mean, mean, 1e-4);
  assert.equal((m[2] as { count: number }).count, 7);
  assert.equal(m[1], null);
  const v = (await run({ id: "v", parties: 3, protocol: "variance", inputs: [0, 1, 2], outputTo: [0], params: {} }, data)).outs[0] as { variance: number };
  near(v.variance, variance, 1e-3);
  const h = (await run({ id: "h", parties: 3, protocol: "histogram", inputs: [0, 1, 2], outputTo: [2], params: { edges: [-10, 0, 5, 20] } }, data)).outs[2] as { counts: number[] };
  assert.deepEqual(h.counts, [1, 4, 2]);
});

test("set-intersection size counts the common items (no collisions at these sizes)", async () => {
  const a = ["alice", "bob", "carol", "dave", 7];
  const b = ["bob", "carol", "erin", 7, "dave"];
  const c = ["carol", "bob", 7, "zed"];
  const bins = 4096;
  assert.equal(new Set([...a, ...b, ...c].map((x) => binOf(x, bins))).size, new Set([...a, ...b, ...c]).size);
  const { outs } = await run({ id: "psi", parties: 3, protocol: "intersection-size", inputs: [0, 1, 2], outputTo: [0], params: { bins } }, { 0: a, 1: b, 2: c });
  assert.equal((outs[0] as { size: number }).size, 3);
});

test("joint linear and logistic regression steps equal the plaintext gradient steps", async () => {
  const rows = (seed: number, n: number) => Array.from({ length: n }, (_, i) => [Math.sin(seed + i), Math.cos(seed * 2 + i), 1]);
  const x0 = rows(1, 6), x1 = rows(2, 5);
  const lin = (r: number[]) => 2 * r[0]! - r[1]! + 0.5;
  const y0 = x0.map(lin), y1 = x1.map(lin);
  const params = { features: 3, lr: 0.5, steps: 3 };
  const { outs } = await run({ id: "lr", parties: 3, protocol: "linreg-step", inputs: [0, 1], outputTo: [2], params }, { 0: { x: x0, y: y0 }, 1: { x: x1, y: y1 } });
  const expect = plainRegression([...x0, ...x1], [...y0, ...y1], [0, 0, 0], 0.5, 3, false);
  (outs[2] as { weights: number[] }).weights.forEach((w, i) => near(w, expect[i]!, 1e-3, `w${i}`));
  const l0 = y0.map((v) => (v > 0.5 ? 1 : 0)), l1 = y1.map((v) => (v > 0.5 ? 1 : 0));
  const lg = await run({ id: "lg", parties: 3, protocol: "logreg-step", inputs: [0, 1], outputTo: [0], params: { ...params, weights: [0.1, -0.2, 0] } }, { 0: { x: x0, y: l0 }, 1: { x: x1, y: l1 } });
  const expectLg = plainRegression([...x0, ...x1], [...l0, ...l1], [0.1, -0.2, 0], 0.5, 3, true);
  (lg.outs[0] as { weights: number[] }).weights.forEach((w, i) => near(w, expectLg[i]!, 1e-3, `w${i}`));
});

test("private inference of a 2-layer MLP: labels and scores equal the plaintext forward pass", async () => {
  const model = {
    layers: [
      { w: [[0.5, -1, 0.25, 2], [1, 1, -1, 0], [-0.5, 0.2, 0.3, 0.1]], b: [0.1, -0.2, 0] },
      { w: [[1, -1, 0.5], [-1, 2, 0], [0.3, 0.3, 0.3]], b: [0, 0.1, -0.1] },
    ],
  };
  const x = [[1, 2, 3, 4], [-1, 0.5, 2, -3], [0, 0, 0, 1]];
  const layers = [{ in: 4, out: 3 }, { in: 3, out: 3 }];
  const ref = plainForward(model, x);
  const job = { id: "inf", parties: 3, protocol: "inference", inputs: [0, 1], outputTo: [1], params: { model: 0, data: 1, layers } };
  const labels = (await run(job, { 0: model, 1: { x } })).outs;
  assert.deepEqual((labels[1] as { labels: number[] }).labels, ref.map((r) => r.indexOf(Math.max(...r))));
  assert.equal(labels[0], null);
  assert.equal(labels[2], null);
  const scores = (await run({ ...job, params: { ...job.params, output: "scores" } }, { 0: model, 1: { x } })).outs[1] as { scores: number[][] };
  scores.scores.forEach((r, i) => r.forEach((v, j) => near(v, ref[i]![j]!, 1e-3)));
});

test("bad jobs and bad inputs: clear errors naming the field; parties abort and record it", async () => {
  assert.throws(() => parseJob({ id: "x", parties: 3, protocol: "sum", inputs: [0, 5], outputTo: [0], params: { length: 1 } }), /party 5/);
  assert.throws(() => parseJob({ id: "x", parties: 3, protocol: "nope", inputs: [0], outputTo: [0], params: {} }), /job/);
  assert.throws(() => parseJob({ id: "../x", parties: 3, protocol: "mean", inputs: [0], outputTo: [0] }), /id/);
  await assert.rejects(run({ id: "s", parties: 3, protocol: "sum", inputs: [0, 1], outputTo: [0], params: { length: 2 } }, { 0: [1, 2], 1: [1, 2, 3] }), /values: has 3 entries/);
  await assert.rejects(run({ id: "s", parties: 3, protocol: "sum", inputs: [0], outputTo: [0], params: { length: 1 } }, { 0: [1e12] }), (e: Error & { code?: string }) => e.code === "mpc_overflow");
  await assert.rejects(run({ id: "s", parties: 3, protocol: "sum", inputs: [0], outputTo: [0], params: { length: 1 } }, { 0: "secret text" }), (e: Error) => /values/.test(e.message) && !/secret text/.test(e.message));
  assert.notEqual(jobHash(parseJob({ id: "a", parties: 3, protocol: "mean", inputs: [0], outputTo: [0] })), jobHash(parseJob({ id: "a", parties: 3, protocol: "mean", inputs: [0], outputTo: [1] })));
});

test("a party started with the wrong number of peers or a foreign id is refused before connecting", async () => {
  const job = parseJob({ id: "p", parties: 3, protocol: "sum", inputs: [0], outputTo: [0], params: { length: 1 } });
  const base = { dealer: { host: "127.0.0.1", port: 1 }, credentials: { ca: "", cert: "", key: "" }, job, input: [1] };
  const two = [{ host: "127.0.0.1", port: 1 }, { host: "127.0.0.1", port: 2 }];
  await assert.rejects(runParty({ ...base, id: 0, peers: two }), /--peers: lists 2 parties, the job has 3/);
  await assert.rejects(runParty({ ...base, id: 3, peers: [...two, two[0]!] }), /--id/);
});
