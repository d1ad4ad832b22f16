// Secure aggregation: exact sums with and without dropouts, aborts below t, masking looks uniform,
// SecAgg+ neighbourhoods are O(log n), and stale or misplaced messages are refused.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { SecAggClient, SecAggServer, combineShares, dequantize, harary, quantize, secAggPlusDegree, simulateRound, splitSecret, unmaskSchema, type RoundParams } from "./index.ts";

const Q = { bound: 1, fracBits: 16 };

function setup(n: number, length: number, mode: "full" | "plus" = "full", threshold = Math.floor(n / 2) + 1) {
  const sites = Array.from({ length: n }, (_, i) => `site-${String(i).padStart(3, "0")}`);
  const params: RoundParams = { roundId: `r-${randomBytes(4).toString("hex")}`, sites, mode, threshold, vectorLength: length };
  const inputs = new Map(sites.map((s) => [s, quantize(Float32Array.from({ length }, () => Math.random() * 2 - 1), Q)]));
  return { sites, params, inputs };
}

function plainSum(inputs: Map<string, Uint32Array>, who: string[]): Uint32Array {
  const out = new Uint32Array(inputs.values().next().value!.length);
  for (const s of who) inputs.get(s)!.forEach((v, i) => (out[i] = (out[i]! + v) >>> 0));
  return out;
}

test("Shamir: hand-made shares of f(x) = 5 + 3x rebuild 5; any t of n shares rebuild a random secret", () => {
  assert.equal(combineShares([{ x: 1, y: 8n }, { x: 2, y: 11n }], 2), 5n);
  assert.equal(combineShares([{ x: 3, y: 14n }, { x: 1, y: 8n }], 2), 5n);
  const secret = BigInt(`0x${randomBytes(32).toString("hex")}`);
  const shares = splitSecret(secret, 3, [1, 2, 3, 4, 5]);
  assert.equal(combineShares([shares[4]!, shares[0]!, shares[2]!], 3), secret);
  assert.equal(combineShares([shares[1]!, shares[3]!, shares[2]!], 3), secret);
  assert.notEqual(combineShares([shares[1]!, shares[3]!], 2), secret);
  assert.throws(() => combineShares(shares.slice(0, 2), 3), /only 2 distinct shares, 3 needed/);
  assert.throws(() => splitSecret(secret, 6, [1, 2, 3, 4, 5]), /threshold/);
});

test("the unmasked aggregate equals the plain quantised sum exactly (no dropouts)", () => {
  const { params, inputs, sites } = setup(5, 1000);
  const { result } = simulateRound(params, inputs);
  assert.deepEqual(result.sum, plainSum(inputs, sites));
  assert.deepEqual(result.survivors, sites);
  // Decoding: the fixed-point sum is the float sum within n / 2^fracBits.
  const dec = dequantize(result.sum, Q);
  assert.ok(Math.abs(dec[0]! - sites.reduce((a, s) => a + (inputs.get(s)![0]! | 0) / 2 ** 16, 0)) < 1e-9);
});

test("dropouts at every stage are recovered while ≥ t sites remain", () => {
  const { params, inputs, sites } = setup(9, 500, "full", 4);
  const drop = { advertise: [sites[0]!], shares: [sites[1]!], masked: [sites[2]!, sites[3]!], unmask: [sites[4]!] };
  const { result } = simulateRound(params, inputs, drop);
  const survivors = sites.slice(4); // sites[4] dropped only at unmasking: its input still counts
  assert.deepEqual(result.survivors, survivors);
  assert.deepEqual(result.recovered, [sites[2], sites[3]]);
  assert.deepEqual(result.sum, plainSum(inputs, survivors));
});

test("below t the round aborts cleanly at the stage where it happens", () => {
  const { params, inputs, sites } = setup(5, 100, "full", 4);
  assert.throws(() => simulateRound(params, inputs, { masked: [sites[0]!, sites[1]!] }), (e: Error & { code?: string }) => e.code === "secagg_aborted" && /masked-input/.test(e.message));
  assert.throws(() => simulateRound(params, inputs, { advertise: sites.slice(0, 2) }), /aborted at stage 'advertise'/);
  assert.throws(() => simulateRound(params, inputs, { unmask: sites.slice(0, 2) }), /aborted at stage 'unmask'/);
});

function chiSquareBytes(bytes: Uint8Array): number {
  const counts = new Array<number>(256).fill(0);
  for (const b of bytes) counts[b]!++;
  const e = bytes.length / 256;
  return counts.reduce((a, c) => a + ((c - e) * (c - e)) / e, 0);
}

test("the coordinator's view of one site's masked update is indistinguishable from uniform (χ² over bytes)", () => {
  // Structured inputs: every coordinate the same small value. Unmasked, their bytes are far from
  // uniform; masked, χ² (255 degrees of freedom) stays under 377, the 1 − 10⁻⁶ quantile by the
  // Wilson–Hilferty approximation, so a uniform source fails one site's check once in a million runs.
  const CRITICAL = 377;
  const { params, sites } = setup(4, 20_000, "full", 3);
  const inputs = new Map(sites.map((s) => [s, new Uint32Array(20_000).fill(7 << 16)]));
  const { maskedViews } = simulateRound(params, inputs);
  const raw = new Uint8Array(inputs.get(sites[0]!)!.buffer);
  assert.ok(chiSquareBytes(raw) > 10 * CRITICAL, "control: the plain input is clearly not uniform");
  for (const s of sites) {
    const view = Buffer.from(maskedViews.get(s)!, "base64");
    const chi = chiSquareBytes(view);
    assert.ok(chi < CRITICAL, `${s}: χ² = ${chi.toFixed(1)}`);
  }
});

test("the server is never given both the seed share and the key share of one site", () => {
  const { params, inputs, sites } = setup(6, 50, "full", 3);
  const server = new SecAggServer(params);
  const clients = sites.map((s) => new SecAggClient(s, params));
  clients.forEach((c) => server.receive(c.advertise()));
  const keys = server.close() as Map<string, never>;
  clients.forEach((c) => server.receive(c.shareKeys(keys.get(c.site)!)));
  const cts = server.close() as Map<string, never>;
  clients.slice(1).forEach((c) => server.receive(c.maskInput(cts.get(c.site)!, inputs.get(c.site)!)));
  const surv = server.close() as Map<string, never>;
  const unmasks = clients.slice(1).map((c) => unmaskSchema.parse(c.unmask(surv.get(c.site)!)));
  const seedOf = new Set(unmasks.flatMap((u) => u.seedShares.map((s) => s.of)));
  const keyOf = new Set(unmasks.flatMap((u) => u.keyShares.map((s) => s.of)));
  assert.deepEqual([...keyOf], [sites[0]]);
  assert.ok(![...seedOf].some((s) => keyOf.has(s)));
});

test("SecAgg+: each site shares with O(log n) neighbours and the sum stays exact under dropouts", () => {
  for (const n of [16, 64, 256]) {
    const k = secAggPlusDegree(n);
    assert.ok(k <= 3 * Math.log2(n) + 2 && k % 2 === 0, `n=${n}: k=${k}`);
    const g = harary(Array.from({ length: n }, (_, i) => `s${i}`), k);
    for (const ns of g.values()) assert.equal(ns.length, k);
    for (const [u, ns] of g) for (const v of ns) assert.ok(g.get(v)!.includes(u), "the graph is undirected");
  }
  const { params, inputs, sites } = setup(40, 200, "plus", 6);
  const drop = { shares: [sites[5]!], masked: [sites[10]!, sites[20]!] };
  const stats = simulateRound(params, inputs, drop);
  const survivors = sites.filter((s) => ![sites[5], sites[10], sites[20]].includes(s));
  assert.deepEqual(stats.result.sum, plainSum(inputs, survivors));
  // Each site sent k ciphertexts, not n − 1: its bytes are bounded by the neighbourhood.
  const k = secAggPlusDegree(40);
  const server = new SecAggServer(params);
  const clients = sites.map((s) => new SecAggClient(s, params));
  clients.forEach((c) => server.receive(c.advertise()));
  const keys = server.close() as Map<string, Parameters<SecAggClient["shareKeys"]>[0]>;
  for (const c of clients) {
    assert.equal(keys.get(c.site)!.members.length, k + 1);
    assert.equal(c.shareKeys(keys.get(c.site)!).ciphertexts.length, k);
  }
});

test("stale, misplaced, duplicate and unknown messages are refused with a reason", () => {
  const { params } = setup(3, 10, "full", 2);
  const server = new SecAggServer(params);
  const a = new SecAggClient(params.sites[0]!, params);
  const adv = a.advertise();
  assert.throws(() => server.receive({ ...adv, roundId: "old" }), /stale message/);
  assert.throws(() => server.receive({ type: "secagg/masked", roundId: params.roundId, site: params.sites[0]!, masked: "" }), /does not fit stage 'advertise'/);
  server.receive(adv);
  assert.throws(() => server.receive(adv), /not expected in this stage/);
  assert.throws(() => server.receive({ ...adv, site: "intruder" }), /not expected/);
  assert.throws(() => new SecAggClient("intruder", params), /not part of the round/);
  assert.throws(() => a.advertise(), /advertise called in stage/);
  assert.throws(() => new SecAggServer({ ...params, threshold: 1 }), /threshold must be at least 2/);
});
