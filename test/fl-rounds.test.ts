// Round mechanics over real mutual-TLS HTTPS with a coordinator in this process and scripted sites
// that speak the wire protocol (SecAggClient state machines, synthetic updates): a site that goes
// silent times out and is recovered, a late message is refused as stale, a round below t aborts
// cleanly and the next one runs, the aggregate equals the mean of the survivors' updates; distributed
// DP noise and the ε budget; a site's data-use contract deciding whether it takes part.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { trainBpe } from "../src/engine/tokenizer/index.ts";
import { Coordinator, TlsClient, clientLevelEpsilon, commitmentDigest, joinFederation, encodeSecureUpdate, loadCredential, provisionFederation, roundAuditEvent, taskSchema, validateFederation, type RoundTask } from "../src/learning/fl/index.ts";
import { SecurityKernel, localOperator, verifyLedger } from "../src/security/index.ts";
import { federatedUseCheck } from "../src/cli/commands/fl.ts";
import { SecAggClient, type ClientMessage } from "../src/learning/secagg/index.ts";
import { tempDir } from "./helpers/tmp.ts";

type Stage = "advertise" | "shares" | "masked" | "unmask";

async function scriptedSite(url: string, credPath: string, value: number, silent: (round: number, stage: Stage) => boolean, late: ClientMessage[]): Promise<void> {
  const cred = await loadCredential(credPath, "site");
  const site = cred.name;
  const c = new TlsClient(url, cred);
  await c.post("/fl/v1/join", { v: 1, type: "join", site });
  let task: RoundTask | undefined;
  let sa: SecAggClient | undefined;
  const up = async (stage: Stage, msg: ClientMessage) => {
    if (silent(task!.round, stage)) {
      late.push(msg);
      return;
    }
    await c.post("/fl/v1/submit", { v: 1, type: "secagg", site, roundId: task!.roundId, msg, metrics: { examples: 1000, steps: 1 } });
  };
  try {
    for (;;) {
      const t = taskSchema.parse(await c.post("/fl/v1/poll", { v: 1, type: "poll", site }));
      if (t.type === "idle") continue;
      if (t.type === "finish") return;
      if (t.type === "round") {
        task = t;
        if (!t.secagg) {
          const n = Buffer.from(t.weights, "base64").length / 4;
          const delta = Buffer.from(new Float32Array(n).fill(value).buffer).toString("base64");
          if (!silent(t.round, "masked")) await c.post("/fl/v1/submit", { v: 1, type: "update", site, roundId: t.roundId, delta, metrics: { examples: 1000, steps: 1 } });
          continue;
        }
        sa = new SecAggClient(site, t.secagg.params);
        await up("advertise", sa.advertise());
        continue;
      }
      if (t.roundId !== task?.roundId) continue;
      const m = t.msg;
      if (m.type === "secagg/keys") await up("shares", sa!.shareKeys(m));
      else if (m.type === "secagg/ciphertexts") {
        const s = task.secagg!;
        const n = s.params.vectorLength - 1;
        const input = encodeSecureUpdate(new Float32Array(n).fill(value), 1000, { bound: s.bound, fracBits: s.fracBits, clip: s.clip, examplesCap: s.examplesCap, uniformWeights: s.uniformWeights, noiseStd: s.noiseStd });
        await up("masked", sa!.maskInput(m, input));
      } else await up("unmask", sa!.unmask(m));
    }
  } finally {
    c.close();
  }
}

test("silent sites time out and are recovered; below t a round aborts and the next round runs", { timeout: 60_000 }, async () => {
  const dir = tempDir("llmos-fl-rounds-");
  const kit = await provisionFederation({ out: join(dir, "kit"), sites: ["s1", "s2", "s3", "s4"], hosts: ["127.0.0.1"] });
  writeFileSync(join(dir, "tok.json"), JSON.stringify(trainBpe(["to be or not to be, that is the question. ".repeat(50)], { vocabSize: 300 }).toJSON()));
  const config = validateFederation({
    name: "rounds", listen: { host: "127.0.0.1", port: 0 }, credentials: kit.coordinator, tokenizer: join(dir, "tok.json"),
    rounds: 3, sampling: { fraction: 1, minSites: 2, startAfter: 4, waitForSitesMs: 10_000 },
    secagg: { enabled: true, mode: "full", threshold: 3, clip: 10_000, fracBits: 14, examplesCap: 1000 },
    timeouts: { stageMs: 2000, trainMs: 2000, pollMs: 500 }, out: join(dir, "out"),
  });
  const coord = await Coordinator.create(config, () => {});
  const kernel = SecurityKernel.open({ dataDir: join(dir, "data"), env: {} });
  coord.onRound = (r) => kernel.ledger.append(roundAuditEvent(config.name, r));
  const url = await coord.listen();
  const late: ClientMessage[] = [];
  // s4 goes silent after sharing in round 1 (must be recovered); s2 and s3 stay silent at round 2's
  // start, leaving 2 < t = 3 sites (abort); round 3 has everyone back.
  const silent = (site: string) => (round: number, stage: Stage) =>
    (site === "s4" && round === 1 && (stage === "masked" || stage === "unmask")) || ((site === "s2" || site === "s3") && round === 2);
  const values: Record<string, number> = { s1: 0.5, s2: 1, s3: 2, s4: 4 };
  const initial = new Float32Array(coord.global);
  const sites = Object.entries(kit.sites).map(([s, p]) => scriptedSite(url, p, values[s]!, silent(s), late));
  try {
    const summary = await coord.run();
    await Promise.all(sites);
    const [r1, r2, r3] = summary.rounds;
    assert.equal(r1!.aborted, undefined);
    assert.deepEqual(r1!.survivors, ["s1", "s2", "s3"]);
    assert.deepEqual(r1!.recovered, ["s4"]);
    assert.match(r2!.aborted ?? "", /aborted at stage 'advertise': 2 remaining, threshold 3/);
    assert.equal(r2!.modelSha256, r1!.modelSha256, "an aborted round leaves the model as it was");
    assert.equal(r3!.aborted, undefined);
    assert.deepEqual(r3!.survivors, ["s1", "s2", "s3", "s4"]);
    // FedAvg with equal example counts: round 1 moves every weight by mean(.5, 1, 2) = 7/6, round 3 by 7.5/4.
    const moved = coord.global.map((x, i) => x - initial[i]!);
    for (const i of [0, 1, moved.length - 1]) assert.ok(Math.abs(moved[i]! - (7 / 6 + 7.5 / 4)) < 1e-3, `weight ${i} moved ${moved[i]}`);
    // A message that arrives after its round closed is refused with a reason.
    const s4 = new TlsClient(url, await loadCredential(kit.sites.s4!, "site"));
    await assert.rejects(s4.post("/fl/v1/submit", { v: 1, type: "secagg", site: "s4", roundId: r1!.roundId, msg: late[0]! }), /stale message/);
    s4.close();
    // Every round is on the audit ledger: participants, a commitment to their masked updates, the aggregate hash.
    const events = kernel.ledger.tail(3);
    assert.deepEqual(events.map((e) => [e.action, e.decision, e.detail?.round]), [["fl.round", "info", 1], ["fl.round", "deny", 2], ["fl.round", "info", 3]]);
    assert.equal(events[0]!.detail?.participants, "s1,s2,s3");
    assert.equal(events[0]!.inputHash, commitmentDigest(r1!));
    assert.equal(events[0]!.outputHash, r1!.aggregateSha256);
    assert.equal(verifyLedger(kernel.ledger).ok, true);
  } finally {
    await coord.close();
    kernel.close();
  }
});

test("distributed DP under secure aggregation: the released sum carries N(0, (zC)²·|U3|/t) and rounds stop at the ε budget", { timeout: 60_000 }, async () => {
  const dir = tempDir("llmos-fl-dp-");
  const kit = await provisionFederation({ out: join(dir, "kit"), sites: ["d1", "d2", "d3", "d4"], hosts: ["127.0.0.1"] });
  writeFileSync(join(dir, "tok.json"), JSON.stringify(trainBpe(["to be or not to be, that is the question. ".repeat(50)], { vocabSize: 300 }).toJSON()));
  // z = 2, every site sampled (q = 1), δ = 1e-5. With all 4 sites back and t = 3 the released noise
  // multiplier is z·√(4/3); the budget check assumes only z, so 3.5 admits exactly two rounds.
  const config = validateFederation({
    name: "dp", listen: { host: "127.0.0.1", port: 0 }, credentials: kit.coordinator, tokenizer: join(dir, "tok.json"),
    rounds: 5, sampling: { fraction: 1, minSites: 2, startAfter: 4, waitForSitesMs: 10_000 },
    secagg: { enabled: true, mode: "full", threshold: 3, fracBits: 16 },
    dp: { enabled: true, placement: "distributed", noiseMultiplier: 2, clip: 0.5, maxEpsilon: 3.5 },
    timeouts: { stageMs: 2000, trainMs: 2000, pollMs: 500 }, out: join(dir, "out"),
  });
  const coord = await Coordinator.create(config, () => {});
  const url = await coord.listen();
  const initial = new Float32Array(coord.global);
  let afterRound1: Float32Array | undefined;
  coord.onRound = (r) => {
    if (r.round === 1) afterRound1 = new Float32Array(coord.global);
  };
  const sites = Object.values(kit.sites).map((p) => scriptedSite(url, p, 0, () => false, []));
  try {
    const summary = await coord.run();
    await Promise.all(sites);
    assert.equal(summary.rounds.length, 2, "the third round would exceed the budget");
    const [r1, r2] = summary.rounds;
    const zEff = 2 * Math.sqrt(4 / 3);
    assert.equal(r1!.dp!.epsilon, clientLevelEpsilon(zEff, 1, 1, 1e-5).epsilon);
    assert.equal(r2!.dp!.epsilon, clientLevelEpsilon(zEff, 1, 2, 1e-5).epsilon);
    assert.ok(r2!.dp!.epsilon > r1!.dp!.epsilon);
    // Zero updates: the change of round 1 is pure noise, sum of 4 shares of std zC/√3, divided by 4.
    const moved = afterRound1!.map((x, i) => x - initial[i]!);
    const mu = moved.reduce((a, b) => a + b, 0) / moved.length;
    const sd = Math.sqrt(moved.reduce((a, b) => a + (b - mu) ** 2, 0) / moved.length);
    const want = (2 * 0.5 * Math.sqrt(4 / 3)) / 4;
    assert.ok(Math.abs(sd - want) / want < 0.05, `noise std ${sd}, expected ${want}`);
    assert.ok(Math.abs(r1!.noiseMultiplier! - 2 * Math.sqrt(4 / 3)) < 1e-9);
  } finally {
    await coord.close();
  }
});

test("a site whose data-use contract refuses 'federated' sits rounds out; once the owner allows it, it trains and counts", { timeout: 60_000 }, async () => {
  const dir = tempDir("llmos-fl-contract-");
  const kit = await provisionFederation({ out: join(dir, "kit"), sites: ["c1", "c2", "c3", "owner"], hosts: ["127.0.0.1"] });
  const text = "to be or not to be, that is the question. whether tis nobler in the mind to suffer. ".repeat(40);
  writeFileSync(join(dir, "tok.json"), JSON.stringify(trainBpe([text], { vocabSize: 300 }).toJSON()));
  writeFileSync(join(dir, "owner.txt"), text);
  const config = validateFederation({
    name: "contracts", listen: { host: "127.0.0.1", port: 0 }, credentials: kit.coordinator, tokenizer: join(dir, "tok.json"),
    rounds: 2, sampling: { fraction: 1, minSites: 2, startAfter: 4, waitForSitesMs: 10_000 },
    secagg: { enabled: true, mode: "full", threshold: 3, clip: 10_000, fracBits: 14 },
    local: { epochs: 1, batchSize: 4, seqLen: 16, maxSteps: 2 },
    timeouts: { stageMs: 2000, trainMs: 20_000, pollMs: 500 }, out: join(dir, "out"),
  });
  const kernel = SecurityKernel.open({ dataDir: join(dir, "site-data"), env: {} });
  const resource = { kind: "dataset" as const, tenant: localOperator().tenant, id: "notes" };
  kernel.contracts.attach(localOperator(), resource, { purposes: ["inference"], models: { local: true, remote: [] }, piiPolicy: "none" });
  const coord = await Coordinator.create(config, () => {});
  // After round 1 the data owner widens the contract to federated learning.
  coord.onRound = (r) => {
    if (r.round === 1) kernel.contracts.attach(localOperator(), resource, { purposes: ["inference", "federated"], models: { local: true, remote: [] }, piiPolicy: "none" });
  };
  const url = await coord.listen();
  const scripted = ["c1", "c2", "c3"].map((s) => scriptedSite(url, kit.sites[s]!, 0.01, () => false, []));
  const owner = joinFederation({ coordinator: url, data: join(dir, "owner.txt"), credentials: kit.sites.owner!, log: () => {}, beforeRound: federatedUseCheck(kernel, "notes") });
  try {
    const summary = await coord.run();
    await Promise.all([...scripted, owner]);
    const [r1, r2] = summary.rounds;
    assert.deepEqual(r1!.survivors, ["c1", "c2", "c3"]);
    assert.deepEqual(r2!.survivors, ["c1", "c2", "c3", "owner"]);
    const checks = kernel.ledger.tail(10).filter((e) => e.action === "contract.check");
    assert.deepEqual(checks.map((e) => [e.decision, e.clause ?? null]), [["deny", "purposes"], ["allow", null]]);
  } finally {
    await coord.close();
    kernel.close();
  }
});

test("plain mode over the network: a robust strategy (FedMedian) sees each update and ignores an outlier; late messages are refused", { timeout: 30_000 }, async () => {
  const dir = tempDir("llmos-fl-plain-");
  const kit = await provisionFederation({ out: join(dir, "kit"), sites: ["p1", "p2", "p3"], hosts: ["127.0.0.1"] });
  writeFileSync(join(dir, "tok.json"), JSON.stringify(trainBpe(["to be or not to be, that is the question. ".repeat(50)], { vocabSize: 300 }).toJSON()));
  const config = validateFederation({
    name: "plain", listen: { host: "127.0.0.1", port: 0 }, credentials: kit.coordinator, tokenizer: join(dir, "tok.json"),
    rounds: 1, sampling: { fraction: 1, minSites: 2, startAfter: 3, waitForSitesMs: 10_000 },
    strategy: { name: "fedmedian" }, secagg: { enabled: false }, timeouts: { stageMs: 2000, trainMs: 5000, pollMs: 500 }, out: join(dir, "out"),
  });
  const coord = await Coordinator.create(config, () => {});
  const url = await coord.listen();
  const initial = new Float32Array(coord.global);
  const values: Record<string, number> = { p1: 1, p2: 2, p3: 100 };
  const sites = Object.entries(kit.sites).map(([s, p]) => scriptedSite(url, p, values[s]!, () => false, []));
  try {
    const probe = new TlsClient(url, await loadCredential(kit.sites.p1!, "site"));
    const summary = await coord.run();
    await Promise.all(sites);
    const refused = await probe.post("/fl/v1/submit", { v: 1, type: "secagg", site: "p1", roundId: summary.rounds[0]!.roundId, msg: { type: "secagg/advertise", roundId: "x", site: "p1", cPk: "", sPk: "" } }).catch((e: Error) => e.message);
    probe.close();
    assert.deepEqual(summary.rounds[0]!.survivors, ["p1", "p2", "p3"]);
    assert.equal(summary.rounds[0]!.secureAggregation, false);
    for (const i of [0, 7, initial.length - 1]) assert.ok(Math.abs(coord.global[i]! - initial[i]! - 2) < 1e-5, "the median update (2) was applied");
    assert.match(String(refused), /stale message/);
  } finally {
    await coord.close();
  }
});
