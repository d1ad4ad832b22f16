// Federation pieces without the network: config validation, the secure-update encoding, DP noise and
// accounting, the role split, local training on the native engine, and simulation mode.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LlamaModel, PRESETS, initBackend } from "../../engine/model/index.ts";
import { trainBpe } from "../../engine/tokenizer/index.ts";
import { quantize } from "../secagg/index.ts";
import { clientLevelEpsilon, noisyMean } from "./dp.ts";
import { validateFederation } from "./config.ts";
import { modelLayout, prepareLocalData, trainLocally } from "./local-train.ts";
import { decodeSecureSum, encodeSecureUpdate } from "./secure-update.ts";
import { splitByRole } from "./shakespeare.ts";
import { simulateFederation } from "./simulation.ts";
import { flattenWeights, l2Norm } from "./vector.ts";
import { roundTaskSchema, submitSchema } from "./wire.ts";

test("federation config: defaults, resolved paths, and refused combinations", () => {
  const c = validateFederation({ credentials: "kit/coordinator.json", tokenizer: "tok.json" }, "/srv/fl");
  assert.equal(c.credentials, "/srv/fl/kit/coordinator.json");
  assert.equal(c.strategy.name, "fedavg");
  assert.equal(c.secagg.enabled, true);
  assert.throws(() => validateFederation({ credentials: "a", tokenizer: "b", strategy: { name: "krum" } }), /cannot run with secure aggregation/);
  assert.doesNotThrow(() => validateFederation({ credentials: "a", tokenizer: "b", strategy: { name: "krum" }, secagg: { enabled: false } }));
  assert.throws(() => validateFederation({ credentials: "a", tokenizer: "b", rounds: 0 }), /federation\.rounds/);
  assert.throws(() => validateFederation({ credentials: "a", tokenizer: "b", sampling: { fraction: 2 } }), /federation\.sampling\.fraction/);
  assert.throws(() => validateFederation({ credentials: "a", tokenizer: "b", bogus: 1 }), /federation/);
  assert.throws(() => validateFederation({ tokenizer: "b" }), /federation\.credentials/);
  assert.throws(() => validateFederation({ credentials: "a", tokenizer: "b", strategy: { name: "nope" } }), /unknown strategy/);
  assert.equal(validateFederation({ credentials: "a", tokenizer: "b", strategy: { name: "fedprox" } }).local.mu, 0.01);
  assert.equal(validateFederation({ credentials: "a", tokenizer: "b", strategy: { name: "fedprox" }, local: { mu: 0.5 } }).local.mu, 0.5);
});

test("wire messages: version and shape are checked", () => {
  const ok = { v: 1, type: "update", site: "a", roundId: "r", delta: "AAAA", metrics: { examples: 1, steps: 1 } };
  assert.equal(submitSchema.safeParse(ok).success, true);
  const v2 = submitSchema.safeParse({ ...ok, v: 2 });
  assert.equal(v2.success, false);
  assert.match(v2.error!.issues[0]!.message, /unsupported message version/);
  assert.equal(submitSchema.safeParse({ ...ok, delta: "not base64!" }).success, false);
  assert.equal(submitSchema.safeParse({ ...ok, extra: 1 }).success, false);
  assert.equal(roundTaskSchema.safeParse({ v: 1, type: "round" }).success, false);
});

test("secure-update encoding: Σ wΔ / Σ w is the example-weighted mean of the clipped updates", () => {
  const e = { bound: 10, fracBits: 16, clip: 10, examplesCap: 100, uniformWeights: false };
  const a = encodeSecureUpdate(Float32Array.from([1, -2]), 50, e); // w = .5
  const b = encodeSecureUpdate(Float32Array.from([3, 2]), 100, e); // w = 1
  const sum = new Uint32Array(3);
  for (const v of [a, b]) v.forEach((x, i) => (sum[i] = (sum[i]! + x) >>> 0));
  const d = decodeSecureSum(sum, e);
  assert.equal(d.weight, 1.5);
  const mean = [...d.sum].map((x) => x / d.weight);
  [(0.5 * 1 + 1 * 3) / 1.5, (0.5 * -2 + 1 * 2) / 1.5].forEach((want, i) => assert.ok(Math.abs(mean[i]! - want) < 1e-4, `${mean[i]} vs ${want}`));
  // Clipping: an update of norm 50 enters with norm 10.
  const big = encodeSecureUpdate(Float32Array.from([30, 40]), 100, e);
  assert.deepEqual([...big].slice(0, 2).map((x) => (x | 0) / 65536), [6, 8]);
  assert.deepEqual(quantize(Float32Array.from([-1]), e), Uint32Array.from([2 ** 32 - 65536]));
});

test("DP-FedAvg noise has std z·C/n on the mean; the RDP accountant's ε grows with rounds and falls with z", () => {
  const n = 20_000;
  const m = noisyMean(new Float32Array(n).fill(4), 2, 1, 0.5); // mean 2, std .5/2 = .25
  const mu = m.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(m.reduce((a, b) => a + (b - mu) ** 2, 0) / n);
  assert.ok(Math.abs(mu - 2) < 0.01, `mean ${mu}`);
  assert.ok(Math.abs(sd - 0.25) < 0.01, `std ${sd}`);
  const e10 = clientLevelEpsilon(1, 0.1, 10, 1e-5).epsilon;
  const e100 = clientLevelEpsilon(1, 0.1, 100, 1e-5).epsilon;
  assert.ok(e10 > 0 && e100 > e10);
  assert.ok(clientLevelEpsilon(2, 0.1, 100, 1e-5).epsilon < e100);
  assert.equal(clientLevelEpsilon(0, 0.1, 1, 1e-5).epsilon, Infinity);
});

test("the role split gives each speaker only their own lines", () => {
  const roles = splitByRole("ROMEO:\nO she doth teach.\n\nJULIET:\nAy me.\n\nROMEO:\nShe speaks.\n\nnot a speech");
  assert.deepEqual([...roles.keys()], ["ROMEO", "JULIET"]);
  assert.equal(roles.get("ROMEO"), "O she doth teach.\n\nShe speaks.");
});

const corpus = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n".repeat(40);

async function tinySetup() {
  await initBackend();
  const tok = trainBpe([corpus], { vocabSize: 300 });
  const config = { ...PRESETS.tiny!, vocabSize: tok.vocabSize };
  const m = LlamaModel.create(config, { seed: 3 });
  const initial = flattenWeights(m.weights(), modelLayout(config).map(([n]) => n));
  m.dispose();
  return { tok, config, initial };
}

test("local training: E epochs lower the held-out loss; FedProx's μ pulls the update toward the global model; FedSGD returns −∇", async () => {
  const { tok, config, initial } = await tinySetup();
  const data = prepareLocalData(corpus, tok, 16);
  const local = { epochs: 2, batchSize: 4, seqLen: 16, lr: 0.01, maxSteps: 6, mu: 0, clip: 1 };
  const plain = await trainLocally(config, initial, data, local, "train", 1);
  assert.equal(plain.steps, 6);
  assert.ok(plain.lossAfter < plain.lossBefore, `${plain.lossBefore} → ${plain.lossAfter}`);
  const prox = await trainLocally(config, initial, data, { ...local, mu: 50 }, "train", 1);
  assert.ok(l2Norm(prox.delta) < l2Norm(plain.delta), `‖Δ‖ ${l2Norm(prox.delta)} vs ${l2Norm(plain.delta)}`);
  const g = await trainLocally(config, initial, data, local, "gradient", 1);
  assert.equal(g.steps, 1);
  const gn = l2Norm(g.delta);
  assert.ok(gn > 0 && gn <= 1 + 1e-3, `the gradient is clipped to norm 1, got ${gn}`);
});

test("simulation mode: secure aggregation gives the same global model as plain FedAvg (up to fixed-point rounding)", async () => {
  const { tok, config, initial } = await tinySetup();
  const sites = ["a", "b", "c"].map((name, i) => ({ name, data: prepareLocalData(corpus.slice(i * 500) + corpus, tok, 16) }));
  const common = { config, initial, sites, rounds: 1, fraction: 1, minSites: 3, strategy: "fedavg", local: { epochs: 1, batchSize: 4, seqLen: 16, lr: 0.01, maxSteps: 2, mu: 0, clip: 1 } };
  const plain = await simulateFederation(common);
  const secure = await simulateFederation({ ...common, secagg: { mode: "full", clip: 100, fracBits: 20, examplesCap: 1000 } });
  let maxDiff = 0;
  let moved = 0;
  for (let i = 0; i < initial.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(plain.global[i]! - secure.global[i]!));
    moved = Math.max(moved, Math.abs(plain.global[i]! - initial[i]!));
  }
  assert.ok(moved > 1e-3, "the model moved");
  assert.ok(maxDiff < 1e-4, `max difference ${maxDiff}`);
});
