// Federated learning over the network: a coordinator and three site processes on loopback with mutual
// TLS and secure aggregation; one site is killed mid-round (after sharing its keys, while training),
// the round recovers by reconstructing its masking key, a second round runs, and the model improves.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { trainBpe } from "../src/engine/tokenizer/index.ts";
import { SecurityKernel, createCa, issueCertificate } from "../src/security/index.ts";
import { TlsClient, loadCredential } from "../src/learning/fl/index.ts";
import { tempDir } from "./helpers/tmp.ts";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const ENTRY = join(repoRoot, "src", "learning", "fl", "cli-entry.ts");
const SHAKESPEARE = join(repoRoot, "..", "shared", "data", "text", "tinyshakespeare.txt");

interface Proc {
  child: ChildProcess;
  out: string;
  err: string;
  exit: Promise<number | null>;
}

function start(args: string[]): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY, ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  const p: Proc = { child, out: "", err: "", exit: new Promise((r) => child.on("exit", (code) => r(code))) };
  child.stdout!.on("data", (d: Buffer) => (p.out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (p.err += d.toString()));
  return p;
}

async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("coordinator + 3 sites: secure aggregation survives a site killed mid-round; the model changes and the loss falls", { timeout: 120_000 }, async () => {
  const dir = tempDir("llmos-fl-");
  const kit = join(dir, "kit");
  const prov = start(["fl", "provision", "--out", kit, "--sites", "alpha,beta,gamma,mallory", "--hosts", "127.0.0.1"]);
  assert.equal(await prov.exit, 0, prov.err);

  const text = readFileSync(SHAKESPEARE, "utf8");
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(trainBpe([text.slice(0, 60_000)], { vocabSize: 512 }).toJSON()));
  // Different parts of the play text per site (non-IID by position).
  const slices = { alpha: text.slice(100_000, 125_000), beta: text.slice(400_000, 425_000), gamma: text.slice(800_000, 825_000) };
  for (const [s, t] of Object.entries(slices)) writeFileSync(join(dir, `${s}.txt`), t);
  const config = {
    name: "fl-test", listen: { host: "127.0.0.1", port: 0 }, credentials: "kit/coordinator.json", tokenizer: "tokenizer.json",
    model: { preset: "tiny", seed: 7 }, rounds: 2, sampling: { fraction: 1, minSites: 2, startAfter: 3, waitForSitesMs: 40_000 },
    strategy: { name: "fedavg" }, local: { epochs: 1, batchSize: 8, seqLen: 32, lr: 0.01, maxSteps: 8, clip: 1 },
    secagg: { enabled: true, mode: "full", clip: 10, fracBits: 16 },
    timeouts: { stageMs: 15_000, trainMs: 40_000, pollMs: 5_000 }, out: "out",
  };
  writeFileSync(join(dir, "federation.yaml"), stringify(config));

  // A data dir with a ledger: the coordinator records every round on it.
  const dataDir = join(dir, "data");
  SecurityKernel.open({ dataDir }).close();
  const coord = start(["fl", "serve", "--config", join(dir, "federation.yaml"), "--data-dir", dataDir]);
  const sites: Record<string, Proc> = {};
  try {
    await waitFor(() => /listening on (https:\/\/\S+)/.test(coord.out), 30_000, "the coordinator to listen");
    const url = /listening on (https:\/\/\S+)/.exec(coord.out)![1]!;

    // Malformed, stale and foreign messages are refused with a reason.
    const mallory = new TlsClient(url, await loadCredential(join(kit, "site-mallory.json"), "site"));
    await assert.rejects(mallory.post("/fl/v1/poll", { v: 2, type: "poll", site: "mallory" }), /unsupported message version/);
    await assert.rejects(mallory.post("/fl/v1/submit", { v: 1, type: "update", site: "mallory", roundId: "fl-test-r0-old", delta: "", metrics: { examples: 1, steps: 1 } }), /stale message/);
    await assert.rejects(mallory.post("/fl/v1/join", { v: 1, type: "join", site: "alpha" }), /does not match the client certificate/);
    await assert.rejects(mallory.post("/fl/v1/join", "not an object"), /message: Invalid input: expected object/);
    await assert.rejects(mallory.post("/fl/v1/nothing", { v: 1 }), /unknown endpoint/);
    mallory.close();
    const otherCa = await createCa("other CA");
    const stranger = await issueCertificate(otherCa, { commonName: "alpha", usage: "client" });
    const caPem = (JSON.parse(readFileSync(join(kit, "coordinator.json"), "utf8")) as { caPem: string }).caPem;
    const impostor = new TlsClient(url, { role: "site", name: "alpha", caPem, ...stranger });
    await assert.rejects(impostor.post("/fl/v1/join", { v: 1, type: "join", site: "alpha" }));
    impostor.close();

    for (const s of ["alpha", "beta", "gamma"]) {
      sites[s] = start(["fl", "join", "--coordinator", url, "--data", join(dir, `${s}.txt`), "--credentials", join(kit, `site-${s}.json`)]);
    }
    // Kill gamma after it has shared its keys in round 1, while it trains.
    await waitFor(() => /round 1: training/.test(sites.gamma!.err), 60_000, "gamma to start training");
    sites.gamma!.child.kill("SIGKILL");

    const code = await coord.exit;
    assert.equal(code, 0, coord.err);
    for (const s of ["alpha", "beta"]) assert.equal(await sites[s]!.exit, 0, sites[s]!.err);

    const summary = JSON.parse(readFileSync(join(dir, "out", "summary.json"), "utf8"));
    assert.equal(summary.rounds.length, 2);
    const [r1, r2] = summary.rounds;
    assert.equal(r1.aborted, undefined, coord.err + Object.values(sites).map((p) => p.err).join("\n"));
    assert.deepEqual(r1.selected, ["alpha", "beta", "gamma"]);
    assert.deepEqual(r1.survivors, ["alpha", "beta"]);
    assert.deepEqual(r1.recovered, ["gamma"], "gamma's masks were removed through its reconstructed key");
    assert.equal(r1.secureAggregation, true);
    assert.equal(Object.keys(r1.commitments).length, 2);
    assert.equal(r2.aborted, undefined, coord.err);
    assert.deepEqual(r2.survivors, ["alpha", "beta"]);
    assert.notEqual(r1.modelSha256, summary.initialSha256, "round 1 changed the global model");
    assert.notEqual(r2.modelSha256, r1.modelSha256, "round 2 changed it again");
    // Sites measure the global model they receive on held-out local text: round 2's is better.
    assert.ok(r2.meanLossBefore < r1.meanLossBefore, `loss ${r1.meanLossBefore} → ${r2.meanLossBefore}`);
    assert.ok(readFileSync(summary.model).subarray(0, 4).toString() === "GGUF");
    const kernel = SecurityKernel.open({ dataDir });
    try {
      const events = kernel.ledger.tail(2);
      assert.deepEqual(events.map((e) => [e.action, e.resource, e.detail?.participants, e.outputHash]), [
        ["fl.round", "federation:fl-test", "alpha,beta", r1.aggregateSha256],
        ["fl.round", "federation:fl-test", "alpha,beta", r2.aggregateSha256],
      ]);
    } finally {
      kernel.close();
    }
  } finally {
    for (const p of [coord, ...Object.values(sites)]) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  }
});
