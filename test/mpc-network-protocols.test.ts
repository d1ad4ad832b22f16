// Every statistics and training protocol over the real network stack: three parties (runParty) and
// the dealer server in this process, mutual TLS on 127.0.0.1; outputs against plaintext.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMpcCredentials, freeListenPorts, loadCredentials, parseJob, plainRegression, runParty, startDealer, type DealerServer, type MpcCredentials } from "../src/privacy/mpc/index.ts";

let dir = "";
let dealer: DealerServer;
let creds: MpcCredentials[] = [];

async function run(raw: unknown, inputs: unknown[]) {
  const job = parseJob(raw);
  const peers = (await freeListenPorts(3)).map((port) => ({ host: "127.0.0.1", port }));
  const outcomes = await Promise.all([0, 1, 2].map((id) => runParty({ id, peers, job, input: inputs[id], credentials: creds[id]!, dealer: { host: "127.0.0.1", port: dealer.address().port }, timeoutMs: 10_000 })));
  return outcomes.map((o) => o.output);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "llmos-mpc-net-"));
  await createMpcCredentials(dir, 3);
  creds = [0, 1, 2].map((i) => loadCredentials(join(dir, `party-${i}.json`)));
  dealer = await startDealer({ host: "127.0.0.1", port: 0, credentials: loadCredentials(join(dir, "dealer.json")) });
});

after(async () => {
  await dealer.close();
  rmSync(dir, { recursive: true, force: true });
});

test("mean, variance and histogram over TLS", async () => {
  const data = [[1, 2, 3, 4], [10, 20], [-5.5]];
  const all = data.flat();
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const variance = all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length;
  const v = await run({ id: "var", parties: 3, protocol: "variance", inputs: [0, 1, 2], outputTo: [2] }, data);
  const out = v[2] as { mean: number; variance: number; count: number };
  assert.ok(Math.abs(out.mean - mean) < 1e-4 && Math.abs(out.variance - variance) < 1e-3 && out.count === 7);
  assert.equal(v[0], null);
  const h = await run({ id: "hist", parties: 3, protocol: "histogram", inputs: [0, 1, 2], outputTo: [0], params: { edges: [-10, 0, 5, 20] } }, data);
  assert.deepEqual((h[0] as { counts: number[] }).counts, [1, 4, 2]);
});

test("set-intersection size and a logistic-regression step over TLS", async () => {
  const psi = await run({ id: "psi", parties: 3, protocol: "intersection-size", inputs: [0, 1, 2], outputTo: [0, 1, 2], params: { bins: 2048 } }, [["a", "b", "c", "d"], ["b", "c", "d", "e"], ["c", "d", "x"]]);
  assert.deepEqual(psi.map((o) => (o as { size: number }).size), [2, 2, 2]);
  const x0 = [[0.5, 1], [-0.5, 1], [1, 1]], y0 = [1, 0, 1];
  const x1 = [[-1, 1], [0.2, 1]], y1 = [0, 1];
  const params = { features: 2, lr: 1, steps: 2 };
  const lg = await run({ id: "lg", parties: 3, protocol: "logreg-step", inputs: [0, 1], outputTo: [2], params }, [{ x: x0, y: y0 }, { x: x1, y: y1 }]);
  const expect = plainRegression([...x0, ...x1], [...y0, ...y1], [0, 0], 1, 2, true);
  (lg[2] as { weights: number[] }).weights.forEach((w, i) => assert.ok(Math.abs(w - expect[i]!) < 1e-3, `${w} vs ${expect[i]}`));
});

test("a party with a bad input fails with a clear error and the others abort promptly instead of hanging", async () => {
  const job = parseJob({ id: "bad", parties: 3, protocol: "sum", inputs: [0, 1, 2], outputTo: [0], params: { length: 2 } });
  const peers = (await freeListenPorts(3)).map((port) => ({ host: "127.0.0.1", port }));
  const inputs = [[1, 2], [3, 4], [5, 6, 7]];
  const results = await Promise.allSettled([0, 1, 2].map((id) => runParty({ id, peers, job, input: inputs[id], credentials: creds[id]!, dealer: { host: "127.0.0.1", port: dealer.address().port }, timeoutMs: 10_000, jobTimeoutMs: 20_000 })));
  const reasons = results.map((r) => (r.status === "rejected" ? (r.reason as Error & { code?: string }) : null));
  assert.ok(reasons.every((r) => r !== null), "every party fails");
  assert.equal(reasons[2]!.code, "invalid_argument");
  assert.match(reasons[2]!.message, /values: has 3 entries/);
  for (const r of reasons.slice(0, 2)) assert.equal(r!.code, "mpc_abort");
});
