// Privacy planning, Poisson sampling and the noisy step: calibration meets the target, a given σ
// caps the steps, bad settings name their flag, sampling has the right mean, noise has std σC/(qN).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../../errors/index.ts";
import { initBackend, LlamaModel } from "../../engine/model/index.ts";
import { dpSgdEpsilon, RandomSource } from "../../privacy/dp/index.ts";
import { checkDpSettings, dpNoisyGradient, microBatches, planPrivacy, poissonSample } from "./index.ts";

function throwsFlag(f: () => unknown, flag: string): void {
  assert.throws(f, (e: unknown) => e instanceof InvalidArgumentError && e.field === flag, `expected an error naming ${flag}`);
}

test("bad settings name the flag: ε ≤ 0, δ ≥ 1/n, clip ≤ 0, σ ≤ 0, unknown accountant", () => {
  const ok = { epsilon: 8, delta: 1e-5, clip: 1 };
  checkDpSettings(ok, 1000);
  throwsFlag(() => checkDpSettings({ ...ok, epsilon: 0 }, 1000), "--epsilon");
  throwsFlag(() => checkDpSettings({ ...ok, epsilon: -1 }, 1000), "--epsilon");
  throwsFlag(() => checkDpSettings({ ...ok, delta: 1e-3 }, 1000), "--delta");
  throwsFlag(() => checkDpSettings({ ...ok, delta: 0 }, 1000), "--delta");
  throwsFlag(() => checkDpSettings({ ...ok, clip: 0 }, 1000), "--clip");
  throwsFlag(() => checkDpSettings({ ...ok, clip: -2 }, 1000), "--clip");
  throwsFlag(() => checkDpSettings({ ...ok, noiseMultiplier: 0 }, 1000), "--noise-multiplier");
  throwsFlag(() => checkDpSettings({ delta: 1e-5, clip: 1 }, 1000), "--epsilon");
  throwsFlag(() => checkDpSettings({ ...ok, accountant: "moments" as never }, 1000), "--accountant");
});

test("target-ε mode calibrates σ so the planned steps spend at most ε (rdp and pld)", () => {
  for (const accountant of ["rdp", "pld"] as const) {
    const plan = planPrivacy({ epsilon: 8, delta: 1e-5, clip: 1, accountant }, 10_000, 0.01, 500);
    assert.equal(plan.steps, 500);
    assert.ok(plan.calibrated);
    assert.ok(plan.epsilon <= 8 && plan.epsilon > 7.5, `${accountant}: ε ${plan.epsilon}`);
    const check = dpSgdEpsilon(accountant, { noiseMultiplier: plan.noiseMultiplier, samplingRate: 0.01, steps: 500, delta: 1e-5 });
    assert.ok(check <= 8);
  }
});

test("a given σ with a target ε caps the steps at the last one within budget", () => {
  const plan = planPrivacy({ epsilon: 2, delta: 1e-5, clip: 1, noiseMultiplier: 1 }, 10_000, 0.02, 100_000);
  assert.ok(plan.steps < 100_000 && plan.steps > 1);
  assert.ok(plan.epsilon <= 2);
  const over = dpSgdEpsilon("rdp", { noiseMultiplier: 1, samplingRate: 0.02, steps: plan.steps + 1, delta: 1e-5 });
  assert.ok(over > 2, "one more step would exceed the target");
  throwsFlag(() => planPrivacy({ epsilon: 0.01, delta: 1e-5, clip: 1, noiseMultiplier: 0.3 }, 10_000, 0.5, 10), "--noise-multiplier");
});

test("Poisson sampling: independent inclusion with probability q, variable size; micro-batches cover it", () => {
  const rng = RandomSource.seededForTests("poisson");
  const sizes: number[] = [];
  for (let i = 0; i < 200; i++) sizes.push(poissonSample(1000, 0.05, rng).length);
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  // Binomial(1000, 0.05): mean 50, sd 6.9; the mean of 200 draws has sd 0.49.
  assert.ok(Math.abs(mean - 50) < 2.5, `mean ${mean}`);
  assert.ok(new Set(sizes).size > 10, "sizes vary");
  const batch = poissonSample(100, 0.3, rng);
  assert.deepEqual(microBatches(batch, 7).flat(), batch);
  assert.ok(microBatches(batch, 7).every((m) => m.length <= 7));
});

test("noisy gradient of an empty batch is pure noise with std σC/(qN)", async () => {
  await initBackend();
  const model = LlamaModel.create({ vocabSize: 40, dim: 32, nLayers: 1, nHeads: 2, nKvHeads: 1, ffnDim: 32, contextLength: 8, normEps: 1e-5, ropeTheta: 10000, tieEmbeddings: true }, { seed: 3 });
  try {
    const r = dpNoisyGradient({ model, sequences: [new Int32Array(9)], batch: [], microBatch: 4, clip: 2, noiseMultiplier: 1.5, expectedBatch: 10, rng: RandomSource.seededForTests("noise") });
    const values = [...r.grads.values()].flatMap((g) => Array.from(g.dataSync()));
    tf.dispose([...r.grads.values()]);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    assert.ok(values.length > 3000);
    assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
    assert.ok(Math.abs(sd - 0.3) < 0.015, `sd ${sd}, expected 1.5·2/10 = 0.3`);
  } finally {
    model.dispose();
  }
});
