// PLD accountant against dp_accounting reference values, and its pessimism (never below the truth).
import assert from "node:assert/strict";
import { test } from "node:test";
import { calibrateNoiseMultiplier, dpSgdEpsilon, pldEpsilon, rdpEpsilon } from "./accountant.ts";
import { gaussianDelta } from "./gaussian.ts";
import { composePlds, discretizeMechanism, pldDelta } from "./pld.ts";

function relClose(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

function composedDelta(m: Parameters<typeof discretizeMechanism>[0], count: number, eps: number): number {
  return Math.max(...discretizeMechanism(m).map((pld) => pldDelta(composePlds([{ pld, count }]), eps)));
}

test("Gaussian σ=√3 composed 3 times: δ(ε=1) = 0.126937", () => {
  relClose(composedDelta({ kind: "gaussian", noiseMultiplier: Math.sqrt(3) }, 3, 1), 0.126937, 1e-3, "δ");
});

test("Poisson-subsampled Gaussian q=0.2, σ=0.5, 3 times: δ(ε=1) = 0.15593", () => {
  relClose(composedDelta({ kind: "poisson_gaussian", noiseMultiplier: 0.5, samplingRate: 0.2 }, 3, 1), 0.15593, 1e-3, "δ");
});

test("Opacus case σ=1.5, q=0.04, 2250 steps: PLD ε ≈ 6.7688, below RDP's 7.329", () => {
  const p = { noiseMultiplier: 1.5, samplingRate: 0.04, steps: 2250, delta: 1e-5 };
  const eps = pldEpsilon(p).epsilon;
  relClose(eps, 6.7688, 1e-3, "ε");
  assert.ok(eps < rdpEpsilon(p).epsilon);
  assert.equal(dpSgdEpsilon("pld", p), eps);
});

test("discretisation is pessimistic: δ(ε) of the discrete PLD ≥ the exact Gaussian curve", () => {
  for (const sigma of [0.7, 2]) {
    const [pld] = discretizeMechanism({ kind: "gaussian", noiseMultiplier: sigma }, 1e-3);
    for (const eps of [0, 0.3, 1, 2.5]) {
      const exact = gaussianDelta(sigma, 1, eps);
      const d = pldDelta(pld!, eps);
      assert.ok(d >= exact - 1e-12, `σ=${sigma} ε=${eps}: ${d} < ${exact}`);
      assert.ok(d <= exact + 2e-3, `σ=${sigma} ε=${eps}: ${d} far above ${exact}`);
    }
  }
  // k Gaussians compose to one with σ/√k exactly: the composed PLD stays just above it.
  const [g] = discretizeMechanism({ kind: "gaussian", noiseMultiplier: 4 });
  const composed = composePlds([{ pld: g!, count: 16 }]);
  const exact = gaussianDelta(1, 1, 1);
  const d = pldDelta(composed, 1);
  assert.ok(d >= exact - 1e-9 && d < exact * 1.002, `${d} vs ${exact}`);
});

test("Laplace PLD: one release of scale b is (1/b)-DP with δ = 0 and matches the exact curve", () => {
  const [pld] = discretizeMechanism({ kind: "laplace", scale: 2 });
  assert.ok(pldDelta(pld!, 0.5 + 1e-4) < 1e-12);
  const exact = (e: number) => 1 - Math.exp((e - 0.5) / 2);
  for (const e of [0, 0.2, 0.4]) relClose(pldDelta(pld!, e), exact(e), 1e-3, `ε=${e}`);
});

test("PLD calibration meets the target with the smallest σ to 1e-3", () => {
  const t = { epsilon: 2, delta: 1e-5, samplingRate: 0.05, steps: 100, accountant: "pld" as const };
  const sigma = calibrateNoiseMultiplier(t);
  const eps = (s: number) => pldEpsilon({ noiseMultiplier: s, samplingRate: 0.05, steps: 100, delta: 1e-5 }).epsilon;
  assert.ok(eps(sigma) <= 2);
  assert.ok(eps(sigma * (1 - 2e-3)) > 2);
});

test("very large losses (ε ≈ 970, e^ε overflows a double) neither overflow nor lose pessimism", async () => {
  const { pldEpsilonForDelta } = await import("./pld.ts");
  const sigma = 0.025;
  const [pld] = discretizeMechanism({ kind: "gaussian", noiseMultiplier: sigma }, 1e-2);
  const eps = pldEpsilonForDelta(pld!, 1e-5);
  assert.ok(Number.isFinite(eps) && eps > 710, `${eps}`);
  assert.ok(gaussianDelta(sigma, 1, eps) <= 1e-5 * (1 + 1e-9));
  assert.ok(gaussianDelta(sigma, 1, eps - 0.05) > 1e-5, "within the grid spacing of the exact ε");
});

test("pldComposeDelta/Epsilon over mixed events: Gaussian + Laplace, and DP-SGD steps as events", async () => {
  const { pldComposeDelta, pldComposeEpsilon } = await import("./accountant.ts");
  // Two Gaussians σ = 2 compose to σ = √2.
  const d = pldComposeDelta([{ mechanism: { kind: "gaussian", noiseMultiplier: 2 }, count: 2 }], 0.5);
  assert.ok(d >= gaussianDelta(Math.SQRT2, 1, 0.5) - 1e-12 && d < gaussianDelta(Math.SQRT2, 1, 0.5) * 1.001);
  // Adding a Laplace release can only raise δ.
  const mixed = pldComposeDelta([{ mechanism: { kind: "gaussian", noiseMultiplier: 2 }, count: 2 }, { mechanism: { kind: "laplace", scale: 4 }, count: 1 }], 0.5);
  assert.ok(mixed > d);
  const e = pldComposeEpsilon([{ mechanism: { kind: "poisson_gaussian", noiseMultiplier: 0.5, samplingRate: 0.2 }, count: 3 }], 0.15593);
  assert.ok(Math.abs(e - 1) < 2e-3, `${e}`);
  assert.throws(() => pldComposeDelta([{ mechanism: { kind: "laplace", scale: 1 }, count: 0 }], 1), { field: "events[0].count" });
});

test("the generic subsampling lemma reproduces the closed-form subsampled Gaussian profiles", async () => {
  const { gaussianProfile, subsampledAddProfile, subsampledProfiles, subsampledRemoveProfile } = await import("./pld.ts");
  for (const [sigma, q] of [[0.5, 0.2], [1.5, 0.04]] as const) {
    const [rem, add] = subsampledProfiles(gaussianProfile(sigma), q);
    const remC = subsampledRemoveProfile(sigma, q);
    const addC = subsampledAddProfile(sigma, q);
    for (const e of [-0.5, -0.01, 0, 0.02, 0.3, 1, 2]) {
      assert.ok(Math.abs(rem.delta(e) - remC.delta(e)) < 1e-12, `remove σ=${sigma} q=${q} ε=${e}`);
      assert.ok(Math.abs(add.delta(e) - addC.delta(e)) < 1e-12, `add σ=${sigma} q=${q} ε=${e}`);
    }
  }
});

test("Poisson-subsampled Laplace: amplification by subsampling, ε ≤ log(1 + q(e^{1/b} - 1))", () => {
  const b = 1;
  const q = 0.1;
  const bound = Math.log1p(q * Math.expm1(1 / b)); // Balle et al. 2018: pure DP amplified
  const d = composedDelta({ kind: "poisson_laplace", scale: b, samplingRate: q }, 1, bound + 1e-3);
  assert.ok(d < 1e-9, `${d}`);
  assert.ok(composedDelta({ kind: "poisson_laplace", scale: b, samplingRate: q }, 1, bound - 0.02) > 0);
  // Ten releases: tighter than ten times the amplified ε.
  const tenDelta = composedDelta({ kind: "poisson_laplace", scale: b, samplingRate: q }, 10, 5 * bound);
  assert.ok(tenDelta < 1e-3);
});
