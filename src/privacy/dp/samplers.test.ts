// Evidence for the samplers: 10^6 draws each from the fixed test seed, compared with the exact
// distributions by mean, variance and χ² (discrete) or Kolmogorov–Smirnov (continuous) tests.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bernoulliExpNeg } from "./bernoulli.ts";
import { gaussianNoiseFloat32, laplaceMechanism, sampleGaussian, sampleLaplace } from "./continuous.ts";
import { discreteLaplaceHalfWidth, discreteLaplaceTail, sampleDiscreteGaussian, sampleDiscreteLaplace } from "./discrete.ts";
import { rationalAtLeast } from "./rational.ts";
import { assertReleaseRng, RandomSource } from "./rng.ts";
import { exponentialMechanism, randomizedResponse, reportNoisyMax } from "./selection.ts";
import { normalCdf } from "./special.ts";

const N = 1_000_000;
const SEED = "dp-samplers-v1";

/** χ² critical value at p ≈ 1e-6 (Wilson–Hilferty), so a correct sampler essentially never fails. */
function chi2Critical(df: number): number {
  const z = 4.75;
  return df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
}

/** χ² statistic of integer draws against pmf, bins |z| ≤ k, tails merged. */
function chi2(draws: Int32Array, pmf: (z: number) => number, k: number): { stat: number; df: number } {
  const counts = new Map<number, number>();
  for (const d of draws) {
    const b = d < -k ? -k - 1 : d > k ? k + 1 : d;
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  let inner = 0;
  let stat = 0;
  for (let z = -k; z <= k; z++) {
    const e = pmf(z) * draws.length;
    inner += pmf(z);
    stat += ((counts.get(z) ?? 0) - e) ** 2 / e;
  }
  const tail = ((1 - inner) / 2) * draws.length;
  for (const b of [-k - 1, k + 1]) stat += ((counts.get(b) ?? 0) - tail) ** 2 / tail;
  return { stat, df: 2 * k + 2 };
}

function moments(xs: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2;
  return { mean, variance: v / (xs.length - 1) };
}

function ksStatistic(xs: Float64Array, cdf: (x: number) => number): number {
  xs.sort();
  let d = 0;
  for (let i = 0; i < xs.length; i++) {
    const f = cdf(xs[i]!);
    d = Math.max(d, Math.abs(f - i / xs.length), Math.abs((i + 1) / xs.length - f));
  }
  return d;
}
const KS_CRIT = 1.95 / Math.sqrt(N); // α = 0.001

test("discrete Laplace: 10^6 draws match the exact pmf (mean, variance, χ²)", () => {
  const rng = RandomSource.seededForTests(SEED);
  const scale = { num: 5, den: 2 }; // b = 2.5
  const b = 2.5;
  const draws = new Int32Array(N);
  for (let i = 0; i < N; i++) draws[i] = sampleDiscreteLaplace(rng, scale);
  const r = Math.exp(-1 / b);
  const pmf = (z: number) => ((1 - r) / (1 + r)) * r ** Math.abs(z);
  const variance = (2 * r) / (1 - r) ** 2;
  const m = moments(draws);
  assert.ok(Math.abs(m.mean) < 5 * Math.sqrt(variance / N), `mean ${m.mean}`);
  assert.ok(Math.abs(m.variance / variance - 1) < 0.01, `variance ${m.variance} vs ${variance}`);
  const { stat, df } = chi2(draws, pmf, 15);
  assert.ok(stat < chi2Critical(df), `χ² ${stat} over ${df} df`);
  // The CI helper: P(|Z| > k) ≤ 5% at the returned half-width and > 5% just below it.
  const k = discreteLaplaceHalfWidth(b);
  assert.ok(discreteLaplaceTail(b, k) <= 0.05 && discreteLaplaceTail(b, k - 1) > 0.05);
});

test("discrete Gaussian: 10^6 draws match the exact pmf (mean, variance, χ²)", () => {
  const rng = RandomSource.seededForTests(SEED);
  const sigma = 3.7;
  const s2 = rationalAtLeast(sigma * sigma);
  const draws = new Int32Array(N);
  for (let i = 0; i < N; i++) draws[i] = sampleDiscreteGaussian(rng, s2);
  const v = s2.num / s2.den;
  let z0 = 0;
  let var0 = 0;
  for (let z = -200; z <= 200; z++) {
    z0 += Math.exp(-(z * z) / (2 * v));
    var0 += z * z * Math.exp(-(z * z) / (2 * v));
  }
  var0 /= z0;
  const pmf = (z: number) => Math.exp(-(z * z) / (2 * v)) / z0;
  const m = moments(draws);
  assert.ok(Math.abs(m.mean) < 5 * Math.sqrt(var0 / N), `mean ${m.mean}`);
  assert.ok(Math.abs(m.variance / var0 - 1) < 0.01, `variance ${m.variance} vs ${var0}`);
  const { stat, df } = chi2(draws, pmf, 12);
  assert.ok(stat < chi2Critical(df), `χ² ${stat} over ${df} df`);
});

test("discrete Gaussian with a large σ (bigint acceptance path) has the right variance", () => {
  const rng = RandomSource.seededForTests(SEED);
  const sigma = 2 ** 20;
  const s2 = rationalAtLeast(sigma * sigma);
  const n = 20000;
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = sampleDiscreteGaussian(rng, s2);
  const m = moments(xs);
  assert.ok(Math.abs(m.mean) < 5 * sigma / Math.sqrt(n));
  assert.ok(Math.abs(m.variance / (sigma * sigma) - 1) < 0.05, `variance ratio ${m.variance / sigma ** 2}`);
});

test("Bernoulli(exp(-γ)) is exact for rational γ below and above 1", () => {
  const rng = RandomSource.seededForTests(SEED);
  for (const [num, den, n] of [[1, 3, N], [7, 2, 200000], [0, 1, 1000]] as const) {
    let hits = 0;
    for (let i = 0; i < n; i++) if (bernoulliExpNeg(rng, num, den)) hits++;
    const p = Math.exp(-num / den);
    assert.ok(Math.abs(hits / n - p) < 5 * Math.sqrt((p * (1 - p)) / n) + 1e-12, `γ=${num}/${den}: ${hits / n} vs ${p}`);
  }
  // The bigint path gives the same law.
  let hits = 0;
  for (let i = 0; i < 100000; i++) if (bernoulliExpNeg(rng, 10n ** 20n, 3n * 10n ** 20n)) hits++;
  assert.ok(Math.abs(hits / 1e5 - Math.exp(-1 / 3)) < 0.008);
});

test("lattice Laplace noise: 10^6 draws pass KS against Laplace(0, b)", () => {
  const rng = RandomSource.seededForTests(SEED);
  const b = 1.3;
  const xs = new Float64Array(N);
  for (let i = 0; i < N; i++) xs[i] = sampleLaplace(rng, b);
  const cdf = (x: number) => (x < 0 ? 0.5 * Math.exp(x / b) : 1 - 0.5 * Math.exp(-x / b));
  const m = moments(xs);
  assert.ok(Math.abs(m.variance / (2 * b * b) - 1) < 0.01);
  const d = ksStatistic(xs, cdf);
  assert.ok(d < KS_CRIT, `KS D = ${d}`);
});

test("Float32 Gaussian vector noise: 10^6 entries pass KS against N(0, σ²)", () => {
  const rng = RandomSource.seededForTests(SEED);
  const sigma = 0.8;
  const v = new Float32Array(N);
  gaussianNoiseFloat32(rng, v, sigma);
  const xs = Float64Array.from(v);
  const m = moments(xs);
  assert.ok(Math.abs(m.mean) < 5 * sigma / Math.sqrt(N));
  assert.ok(Math.abs(m.variance / (sigma * sigma) - 1) < 0.01);
  const d = ksStatistic(xs, (x) => normalCdf(x / sigma));
  assert.ok(d < KS_CRIT, `KS D = ${d}`);
  // Noise is added to the existing values, in place.
  const w = new Float32Array([1000, -1000]);
  gaussianNoiseFloat32(rng, w, 1);
  assert.ok(Math.abs(w[0]! - 1000) < 10 && Math.abs(w[1]! + 1000) < 10);
});

test("laplaceMechanism lands on its lattice and is centred on the value", () => {
  const rng = RandomSource.seededForTests(SEED);
  const n = 100000;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const r = laplaceMechanism(rng, 10.123, 1, 1);
    assert.equal(r.value / r.granularity, Math.round(r.value / r.granularity));
    s += r.value;
  }
  assert.ok(Math.abs(s / n - 10.123) < 5 * Math.sqrt(2 / n));
});

test("randomized response reports the truth with probability e^ε/(e^ε + k - 1)", () => {
  const rng = RandomSource.seededForTests(SEED);
  const k = 4;
  const eps = 1.2;
  const n = N;
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) counts[randomizedResponse(rng, 2, k, eps)]!++;
  const pTrue = Math.exp(eps) / (Math.exp(eps) + k - 1);
  for (let i = 0; i < k; i++) {
    const p = i === 2 ? pTrue : (1 - pTrue) / (k - 1);
    assert.ok(Math.abs(counts[i]! / n - p) < 5 * Math.sqrt((p * (1 - p)) / n), `category ${i}`);
  }
});

test("exponential mechanism samples ∝ exp(ε u / 2Δ) (χ²)", () => {
  const rng = RandomSource.seededForTests(SEED);
  const utilities = [0, -1, -2, -5, -3, 0, -8];
  const eps = 1.5;
  const n = N;
  const counts = new Array<number>(utilities.length).fill(0);
  for (let i = 0; i < n; i++) counts[exponentialMechanism(rng, utilities, 1, eps)]!++;
  // ε is rounded down to a 20-bit rational inside; use the same value for the expected law.
  const e = rationalAtLeast(eps); // eps is exactly representable with 20 bits, so equal
  const w = utilities.map((u) => Math.exp(((e.num / e.den) * u) / 2));
  const z = w.reduce((a, b) => a + b, 0);
  let stat = 0;
  w.forEach((wi, i) => (stat += (counts[i]! - (n * wi) / z) ** 2 / ((n * wi) / z)));
  assert.ok(stat < chi2Critical(utilities.length - 1), `χ² ${stat}`);
});

test("report-noisy-max: 10^6 draws match the exact winner probabilities (χ²)", () => {
  const rng = RandomSource.seededForTests(SEED);
  const scores = [10, 12, 11];
  const eps = 1;
  const n = N;
  const counts = [0, 0, 0];
  for (let i = 0; i < n; i++) counts[reportNoisyMax(rng, scores, 1, eps)]!++;
  // Exact law: noise is discrete Laplace of scale 2Δ/ε = 2; earlier index wins ties.
  const r = Math.exp(-1 / 2);
  const pmf = (z: number) => ((1 - r) / (1 + r)) * r ** Math.abs(z);
  const cdf = (x: number) => { let c = 0; for (let z = -80; z <= x; z++) c += pmf(z); return c; }; // P(Z ≤ x)
  const expected = scores.map((si, i) => {
    let p = 0;
    for (let z = -80; z <= 80; z++) {
      const v = si + z;
      let q = pmf(z);
      scores.forEach((sj, j) => {
        if (j < i) q *= cdf(v - sj - 1);
        else if (j > i) q *= cdf(v - sj);
      });
      p += q;
    }
    return p;
  });
  assert.ok(Math.abs(expected.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  let stat = 0;
  expected.forEach((p, i) => (stat += (counts[i]! - n * p) ** 2 / (n * p)));
  assert.ok(stat < chi2Critical(2), `χ² ${stat}`);
});

test("lattice Gaussian noise: 10^6 draws pass KS against N(0, σ²)", () => {
  const rng = RandomSource.seededForTests(SEED);
  const sigma = 1.3;
  const xs = new Float64Array(N);
  for (let i = 0; i < N; i++) xs[i] = sampleGaussian(rng, sigma);
  const m = moments(xs);
  assert.ok(Math.abs(m.variance / (sigma * sigma) - 1) < 0.01);
  const d = ksStatistic(xs, (x) => normalCdf(x / sigma));
  assert.ok(d < KS_CRIT, `KS D = ${d}`);
});

test("the seeded source is reproducible and refused for releases; the CSPRNG is not", () => {
  const a = RandomSource.seededForTests(7);
  const b = RandomSource.seededForTests(7);
  const xs = Array.from({ length: 5 }, () => a.uint32());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.uint32()));
  assert.throws(() => assertReleaseRng(a), { name: "InvalidArgumentError", code: "invalid_argument" });
  assert.doesNotThrow(() => assertReleaseRng(a, true));
  assert.doesNotThrow(() => assertReleaseRng(RandomSource.secure()));
  const s = RandomSource.secure();
  assert.notDeepEqual(Array.from({ length: 4 }, () => s.uint32()), Array.from({ length: 4 }, () => s.uint32()));
});

test("below(n) is uniform without modulo bias, including n above 2^32", () => {
  const rng = RandomSource.seededForTests(SEED);
  const n = 3 * 2 ** 30; // 2^32 mod n ≠ 0: naive modulo would over-weight the low third
  let low = 0;
  const draws = 300000;
  for (let i = 0; i < draws; i++) if (rng.below(n) < 2 ** 30) low++;
  assert.ok(Math.abs(low / draws - 1 / 3) < 0.005);
  const big = 2 ** 40 + 12345;
  for (let i = 0; i < 1000; i++) {
    const x = rng.below(big);
    assert.ok(Number.isSafeInteger(x) && x >= 0 && x < big);
  }
});

test("below(n) covers its whole range for n up to 2^53", () => {
  const rng = RandomSource.seededForTests(SEED);
  for (const n of [3 * 2 ** 51, 2 ** 53]) {
    let high = 0;
    for (let i = 0; i < 30000; i++) if (rng.below(n) >= (2 * n) / 3) high++;
    assert.ok(Math.abs(high / 30000 - 1 / 3) < 0.02, `n=${n}: ${high / 30000}`);
  }
  assert.equal(rng.belowBig(1n), 0n);
  for (let i = 0; i < 100; i++) assert.ok(rng.belowBig(2n ** 64n) < 2n ** 64n);
});
