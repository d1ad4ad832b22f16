// Integration: three MPC party processes and a dealer process on 127.0.0.1 with mutual TLS run a
// secure sum and a private inference job; a party not named in outputTo learns nothing of the output,
// and a party holding a different job description makes every party abort.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { SecurityKernel, verifyLedger } from "../src/security/index.ts";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeListenPorts, plainForward } from "../src/privacy/mpc/index.ts";

const ENTRY = new URL("../src/privacy/mpc/main.ts", import.meta.url).pathname;
let dir = "";
let dealer: ChildProcess | null = null;
let dealerAddr = "";

function node(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", ENTRY, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

function finished(p: ChildProcess): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  p.stdout!.on("data", (d) => (stdout += d));
  p.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve) => p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

async function runParties(jobs: unknown[], inputs: (unknown | undefined)[]) {
  const ports = await freeListenPorts(3);
  const peers = ports.map((p) => `127.0.0.1:${p}`).join(",");
  const procs = jobs.map((job, id) => {
    const jobFile = join(dir, `job-${id}-${Date.now()}.json`);
    writeFileSync(jobFile, JSON.stringify(job));
    const args = ["mpc", "party", "--id", String(id), "--peers", peers, "--dealer", dealerAddr, "--credentials", join(dir, `party-${id}.json`), "--job", jobFile, "--timeout-ms", "20000", "--audit", join(dir, `audit-${id}.jsonl`), "--data-dir", join(dir, `data-${id}`)];
    if (inputs[id] !== undefined) {
      const inFile = join(dir, `input-${id}.json`);
      writeFileSync(inFile, JSON.stringify(inputs[id]));
      args.push("--input", inFile);
    }
    return finished(node(args));
  });
  return Promise.all(procs);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "llmos-mpc-"));
  const creds = await finished(node(["mpc", "credentials", "--out", dir, "--parties", "3"]));
  assert.equal(creds.code, 0, creds.stderr);
  dealer = node(["mpc", "dealer", "--listen", "127.0.0.1:0", "--credentials", join(dir, "dealer.json")]);
  dealerAddr = await new Promise<string>((resolve, reject) => {
    let out = "";
    dealer!.stdout!.on("data", (d) => {
      out += d;
      const m = /"listening":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    dealer!.on("close", (code) => reject(new Error(`dealer exited with ${code}`)));
  });
});

after(() => {
  dealer?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

test("secure sum across three processes; party 2 is not named and learns nothing of the sum", async () => {
  const job = { id: "bank-sum", parties: 3, protocol: "sum", inputs: [0, 1, 2], outputTo: [0, 1], params: { length: 2 } };
  const res = await runParties([job, job, job], [[1234.5, 7], [20000.25, -3], [333.125, 1]]);
  for (const r of res) assert.equal(r.code, 0, r.stderr);
  const outs = res.map((r) => JSON.parse(r.stdout) as { output: { sum: number[] } | null; audit: { learnedOutput: boolean; jobHash: string } });
  for (const i of [0, 1]) {
    assert.ok(Math.abs(outs[i]!.output!.sum[0]! - 21567.875) < 1e-3);
    assert.ok(Math.abs(outs[i]!.output!.sum[1]! - 5) < 1e-3);
  }
  assert.equal(outs[2]!.output, null);
  assert.ok(!res[2]!.stdout.includes("21567") && !res[2]!.stderr.includes("21567"));
  assert.deepEqual(outs.map((o) => o.audit.learnedOutput), [true, true, false]);
  assert.equal(new Set(outs.map((o) => o.audit.jobHash)).size, 1);
  const audit = JSON.parse(readFileSync(join(dir, "audit-2.jsonl"), "utf8").trim().split("\n").at(-1)!) as { outputTo: number[]; status: string };
  assert.deepEqual(audit.outputTo, [0, 1]);
  assert.equal(audit.status, "ok");
  // Each party's own ledger holds the job: its hash and the parties, and it still verifies.
  const kernel = SecurityKernel.open({ dataDir: join(dir, "data-2"), env: {} });
  try {
    const events = kernel.ledger.tail(20).filter((e) => e.action === "mpc.job");
    assert.ok(events.length >= 1);
    assert.equal(events.at(-1)!.inputHash, outs[2]!.audit.jobHash);
    assert.ok(verifyLedger(kernel.ledger).ok);
  } finally {
    kernel.close();
  }
});

test("private inference: weights from party 0, input from party 1, only party 1 learns the labels", async () => {
  const model = {
    layers: [
      { w: [[0.5, -1, 0.25], [1, 1, -1], [-0.5, 0.2, 0.3], [0.1, 0.1, 0.1]], b: [0.1, -0.2, 0, 0.05] },
      { w: [[1, -1, 0.5, 0], [-1, 2, 0, 1]], b: [0, 0.1] },
    ],
  };
  const x = [[1, 2, 3], [-1, 0.5, 2], [3, -2, 0.5]];
  const job = { id: "clinic-inference", parties: 3, protocol: "inference", inputs: [0, 1], outputTo: [1], params: { model: 0, data: 1, layers: [{ in: 3, out: 4 }, { in: 4, out: 2 }] } };
  const res = await runParties([job, job, job], [model, { x }, undefined]);
  for (const r of res) assert.equal(r.code, 0, r.stderr);
  const outs = res.map((r) => JSON.parse(r.stdout) as { output: { labels: number[] } | null });
  const expected = plainForward(model, x).map((r) => r.indexOf(Math.max(...r)));
  assert.deepEqual(outs[1]!.output!.labels, expected);
  assert.equal(outs[0]!.output, null);
  assert.equal(outs[2]!.output, null);
});

test("a party with a different job description: every party aborts with a clear error", async () => {
  const job = { id: "j", parties: 3, protocol: "sum", inputs: [0, 1, 2], outputTo: [0], params: { length: 1 } };
  const res = await runParties([job, job, { ...job, outputTo: [2] }], [[1], [2], [3]]);
  for (const r of res) assert.notEqual(r.code, 0);
  assert.ok(res.some((r) => /job hash mismatch|different job/.test(r.stderr)), res.map((r) => r.stderr).join("\n"));
  for (const r of res) assert.match(r.stderr, /llmos: error: /);
});
