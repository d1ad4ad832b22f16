// RDP accountant against published reference values (TF Privacy and Opacus/dp_accounting tests).
import assert from "node:assert/strict";
import { test } from "node:test";
import { advancedComposition, basicComposition } from "./composition.ts";
import { calibrateNoiseMultiplier, rdpEpsilon } from "./accountant.ts";
import { DEFAULT_RDP_ORDERS, TF_PRIVACY_ORDERS, rdpGaussian, rdpLaplace, rdpPoissonSubsampledGaussian, rdpToDelta, rdpToEpsilon } from "./rdp.ts";

function relClose(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

test("default orders are dp_accounting's: 1.1…10.9, 11…63, 128, 256, 512, 1024", () => {
  assert.equal(DEFAULT_RDP_ORDERS.length, 99 + 53 + 4);
  assert.equal(DEFAULT_RDP_ORDERS[0], 1.1);
  assert.equal(DEFAULT_RDP_ORDERS[98], 10.9);
  assert.equal(DEFAULT_RDP_ORDERS[99], 11);
  assert.equal(DEFAULT_RDP_ORDERS[151], 63);
  assert.deepEqual(DEFAULT_RDP_ORDERS.slice(152), [128, 256, 512, 1024]);
});

test("TF Privacy compute_dp_sgd_privacy reference values (n=60000, batch 150, σ=1.3, 15 epochs → 0.7242234026 at order 19)", () => {
  const cases = [
    { n: 60000, batch: 150, sigma: 1.3, epochs: 15, delta: 1e-5, eps: 0.7242234026109595, order: 19 },
    { n: 100000, batch: 100, sigma: 1.0, epochs: 30, delta: 1e-7, eps: 1.4154988495444842, order: 13 },
    { n: 100000000, batch: 1024, sigma: 0.1, epochs: 10, delta: 1e-7, eps: 5907982.3113978775, order: 1.25 },
  ];
  for (const c of cases) {
    const steps = Math.ceil((c.epochs * c.n) / c.batch);
    const r = rdpEpsilon({ noiseMultiplier: c.sigma, samplingRate: c.batch / c.n, steps, delta: c.delta }, { orders: TF_PRIVACY_ORDERS });
    relClose(r.epsilon, c.eps, 1e-6, `σ=${c.sigma}`);
    assert.equal(r.order, c.order);
  }
});

test("Opacus test case σ=1.5, q=0.04, 2250 steps: dp_accounting default orders give 7.32933", () => {
  const r = rdpEpsilon({ noiseMultiplier: 1.5, samplingRate: 0.04, steps: 2250, delta: 1e-5 });
  relClose(r.epsilon, 7.32933, 1e-6, "ε");
  // Opacus' own value (orders 1.1…10.9 and 12…63, signed fractional series) is slightly smaller.
  assert.ok(r.epsilon > 7.32911117143);
});

test("the classic conversion (Mironov 2017 Prop. 3) is looser than CKS 2020 Prop. 12", () => {
  const orders = TF_PRIVACY_ORDERS;
  const rdp = rdpPoissonSubsampledGaussian(0.0025, 1.3, orders).map((r) => r * 6000);
  const cks = rdpToEpsilon(orders, rdp, 1e-5, "cks").epsilon;
  const classic = rdpToEpsilon(orders, rdp, 1e-5, "classic").epsilon;
  assert.ok(classic > cks + 0.1);
  // And δ for the ε found is back at (or below) the target.
  assert.ok(rdpToDelta(orders, rdp, cks).delta <= 1e-5 * (1 + 1e-9));
});

test("closed forms: q=1 is the Gaussian α/(2σ²); integer and fractional orders join continuously", () => {
  assert.deepEqual(rdpPoissonSubsampledGaussian(1, 2, [2, 3.5]), rdpGaussian(2, [2, 3.5]));
  assert.deepEqual(rdpGaussian(2, [2, 3.5]), [2 / 8, 3.5 / 8]);
  const [a, b, c] = rdpPoissonSubsampledGaussian(0.01, 1.1, [3, 3.000001, 4]);
  assert.ok(Math.abs(a! - b!) < 1e-6 * a! + 1e-12 && b! < c!);
  assert.deepEqual(rdpPoissonSubsampledGaussian(0, 1, [2]), [0]);
  // Laplace RDP tends to 1/b as α grows (pure ε-DP), and is below it.
  const [l] = rdpLaplace(2, [1024]);
  assert.ok(l! < 0.5 && l! > 0.49);
});

test("calibration returns the smallest σ (to its tolerance) meeting the target", () => {
  const target = { epsilon: 3, delta: 1e-5, samplingRate: 0.01, steps: 5000 };
  const sigma = calibrateNoiseMultiplier(target);
  const eps = (s: number) => rdpEpsilon({ noiseMultiplier: s, samplingRate: 0.01, steps: 5000, delta: 1e-5 }).epsilon;
  assert.ok(eps(sigma) <= 3);
  assert.ok(eps(sigma * (1 - 2e-4)) > 3);
  // Inverting the Opacus case recovers σ = 1.5.
  relClose(calibrateNoiseMultiplier({ epsilon: 7.32933, delta: 1e-5, samplingRate: 0.04, steps: 2250 }), 1.5, 2e-4, "σ");
});

test("bad accountant inputs name the field", () => {
  const ok = { noiseMultiplier: 1, samplingRate: 0.1, steps: 10, delta: 1e-5 };
  assert.throws(() => rdpEpsilon({ ...ok, delta: 1 }), { field: "delta" });
  assert.throws(() => rdpEpsilon({ ...ok, delta: -1 }), { field: "delta" });
  assert.throws(() => rdpEpsilon({ ...ok, samplingRate: 1.5 }), { field: "sampling_rate" });
  assert.throws(() => rdpEpsilon({ ...ok, noiseMultiplier: Number.NaN }), { field: "noise_multiplier" });
  assert.throws(() => rdpEpsilon({ ...ok, steps: 2.5 }), { field: "steps" });
  assert.throws(() => calibrateNoiseMultiplier({ epsilon: -1, delta: 1e-5, samplingRate: 0.1, steps: 10 }), { field: "epsilon" });
});

test("basic and advanced composition", () => {
  assert.deepEqual(basicComposition([{ epsilon: 0.5, delta: 1e-6 }, { epsilon: 0.25, delta: 0 }]), { epsilon: 0.75, delta: 1e-6 });
  const adv = advancedComposition({ epsilon: 0.01, delta: 0 }, 10000, 1e-6);
  const expected = 0.01 * Math.sqrt(2 * 10000 * Math.log(1e6)) + 10000 * 0.01 * Math.expm1(0.01);
  relClose(adv.epsilon, expected, 1e-12, "advanced ε");
  assert.equal(adv.delta, 1e-6);
  // Few large-ε steps: basic is better and is returned.
  assert.deepEqual(advancedComposition({ epsilon: 1, delta: 0 }, 2, 1e-6), { epsilon: 2, delta: 0 });
  assert.throws(() => basicComposition([{ epsilon: -1, delta: 0 }]), { field: "costs[0].epsilon" });
});

test("RdpAccountant: 2250 composed steps equal the one-shot ε; mixed events add up", async () => {
  const { RdpAccountant } = await import("./accountant.ts");
  const acc = new RdpAccountant();
  for (let i = 0; i < 2250; i++) acc.composePoissonGaussian(1.5, 0.04);
  relClose(acc.epsilon(1e-5).epsilon, 7.32933, 1e-6, "ε");
  const mixed = new RdpAccountant().composeGaussian(2, 3).composeLaplace(10, 2);
  const direct = rdpGaussian(2).map((r, i) => 3 * r + 2 * rdpLaplace(10)[i]!);
  assert.equal(mixed.epsilon(1e-6).epsilon, rdpToEpsilon(DEFAULT_RDP_ORDERS, direct, 1e-6).epsilon);
  assert.ok(mixed.delta(mixed.epsilon(1e-6).epsilon).delta <= 1e-6 * (1 + 1e-9));
});
