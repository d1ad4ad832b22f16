// DP aggregates over a table: count, sum, mean, variance, histogram, quantiles, with clamping,
// per-user contribution bounding and group-by. Each answer carries its value, mechanism, noise scale,
// the ε/δ it used and a 95% confidence interval for the noise (clamping bias is not included).
import { discreteLaplaceHalfWidth, sampleDiscreteGaussian, sampleDiscreteLaplace } from "./discrete.ts";
import { calibrateDiscreteGaussian, calibrateDiscreteGaussianVector } from "./gaussian.ts";
import type { DpQuery } from "./query.ts";
import { rationalAtLeast, type Rational } from "./rational.ts";
import { RandomSource } from "./rng.ts";
import { exponentialMechanism } from "./selection.ts";
import type { Table } from "./table.ts";
import { boundContributions, buildGroups, keyObject, type Groups } from "./grouping.ts";

export interface DpAnswer {
  /** Group key (column → value) for grouped queries. */
  key?: Record<string, string | number | boolean | null>;
  /** Quantile level, for quantile queries. */
  quantile?: number;
  value: number;
  mechanism: string;
  /** Laplace scale b or Gaussian σ of the noise, in the value's units. */
  noise_scale: number;
  epsilon: number;
  delta: number;
  /** 95% interval for the noise-free value given the noisy one; null where none is computed. */
  ci95: [number, number] | null;
  /** Quantiles: with 95% probability the released value's rank is within this many rows of the target. */
  rank_error_95?: number;
}

function laplaceScale(sensitivityUnits: number, epsilon: number): Rational {
  return rationalAtLeast(sensitivityUnits / epsilon, "scale");
}

const ciRng = RandomSource.secure();

/** Percentile interval of f over simulated noise draws (post-processing of released values only). */
function simulatedInterval(draws: number, f: (rng: RandomSource) => number): [number, number] {
  const xs = new Float64Array(draws);
  for (let i = 0; i < draws; i++) xs[i] = f(ciRng);
  xs.sort();
  return [xs[Math.floor(draws * 0.025)]!, xs[Math.ceil(draws * 0.975) - 1]!];
}

/** Runs a parsed query on the table with the given noise source. The budget must already be debited. */
export function executeQuery(q: DpQuery, table: Table, privacyUnit: string | null, rng: RandomSource): DpAnswer[] {
  const m = privacyUnit ? q.max_rows_per_user : 1;
  const keep = boundContributions(table, privacyUnit, m);
  const grouped = q.type === "histogram" || q.group_by !== undefined;
  const groups: Groups = grouped ? buildGroups(q, table, keep) : { names: [], keys: [[]], of: new Int32Array(table.rowCount).fill(0), thresholded: false };
  const nGroups = groups.keys.length;
  const valueCol = q.column && q.type !== "histogram" ? (table.columns.get(q.column) as { values: Float64Array }) : undefined;
  switch (q.type) {
    case "count":
    case "histogram":
      return countAnswers(q, keep, groups, nGroups, m, rng);
    case "sum":
      return sumAnswers(q, keep, groups, nGroups, m, valueCol!.values, rng);
    case "mean":
    case "variance":
      return momentAnswers(q, keep, groups, nGroups, m, valueCol!.values, rng);
    case "quantile":
      return quantileAnswers(q, keep, groups, nGroups, m, valueCol!.values, rng);
  }
}

function countAnswers(q: DpQuery, keep: Uint8Array, g: Groups, nGroups: number, m: number, rng: RandomSource): DpAnswer[] {
  const counts = new Float64Array(nGroups);
  if (nGroups === 1 && g.names.length === 0) {
    let c = 0;
    for (let r = 0; r < keep.length; r++) c += keep[r]!;
    counts[0] = c;
  } else {
    for (let r = 0; r < keep.length; r++) if (keep[r] && g.of[r]! >= 0) counts[g.of[r]!]!++;
  }
  const out: DpAnswer[] = [];
  if (q.mechanism === "gaussian") {
    // A user changes the count vector by at most m in L2 (all m rows in one group is the worst case).
    const budgetDelta = g.thresholded ? q.delta / 2 : q.delta;
    // One group, or one row per user: the change is ±m in one coordinate and the exact 1-D curve
    // (CKS Thm 7) applies; otherwise m rows may spread over groups and the zCDP bound is used.
    const oneCoordinate = g.names.length === 0 || m === 1;
    const s2 = oneCoordinate ? calibrateDiscreteGaussian(q.epsilon, budgetDelta, m) : calibrateDiscreteGaussianVector(q.epsilon, budgetDelta, m);
    const sigma = Math.sqrt(s2.num / s2.den);
    const half = Math.ceil(1.959963984540054 * sigma);
    // Thresholding: a key only one user has (count ≤ m) passes with probability ≤ P[Z ≥ k] ≤ e^{-k²/(2σ²)};
    // a user holds at most m keys, so k = σ·√(2 ln(2m/δ)) keeps the total below δ/2.
    const threshold = m + Math.ceil(sigma * Math.sqrt(2 * Math.log((2 * m) / q.delta)));
    for (let i = 0; i < nGroups; i++) {
      const v = counts[i]! + sampleDiscreteGaussian(rng, s2);
      if (g.thresholded && v < threshold) continue;
      out.push({ key: keyObject(g, i), value: v, mechanism: "discrete_gaussian", noise_scale: sigma, epsilon: q.epsilon, delta: q.delta, ci95: [v - half, v + half] });
    }
    return out;
  }
  const scale = laplaceScale(m, q.epsilon);
  const b = scale.num / scale.den;
  const half = discreteLaplaceHalfWidth(b);
  // Thresholding (Korolova et al. 2009; Wilson et al. 2020): P[Z ≥ k] ≤ e^{-k/b} for discrete Laplace,
  // at most m keys per user, so k = ⌈b·ln(m/δ)⌉ above the largest single-user count m.
  const threshold = m + Math.ceil(b * Math.log(m / Math.max(q.delta, Number.MIN_VALUE)));
  for (let i = 0; i < nGroups; i++) {
    const v = counts[i]! + sampleDiscreteLaplace(rng, scale);
    if (g.thresholded && v < threshold) continue;
    out.push({ key: keyObject(g, i), value: v, mechanism: "discrete_laplace", noise_scale: b, epsilon: q.epsilon, delta: q.delta, ci95: [v - half, v + half] });
  }
  return out;
}

// Sums are computed exactly on the lattice gℤ, g = 2^(⌈log2 max|bound|⌉ - 20): each clamped value is
// rounded to the lattice first, so the sensitivity in lattice units is exact and the noise is exact.
function latticeOf(maxAbs: number): number {
  return 2 ** (Math.ceil(Math.log2(maxAbs)) - 20);
}

function latticeSums(keep: Uint8Array, g: Groups, nGroups: number, values: Float64Array, lo: number, hi: number, shift: number, square: boolean, step: number): { sums: Float64Array; counts: Float64Array } {
  const sums = new Float64Array(nGroups);
  const counts = new Float64Array(nGroups);
  for (let r = 0; r < values.length; r++) {
    if (!keep[r]) continue;
    const grp = g.of[r]!;
    if (grp < 0) continue;
    const x = values[r]!;
    if (Number.isNaN(x)) continue; // missing value: contributes nothing
    let y = (x < lo ? lo : x > hi ? hi : x) - shift;
    if (square) y *= y;
    sums[grp] = sums[grp]! + Math.round(y / step);
    counts[grp] = counts[grp]! + 1;
  }
  return { sums, counts };
}

function sumAnswers(q: DpQuery, keep: Uint8Array, g: Groups, nGroups: number, m: number, values: Float64Array, rng: RandomSource): DpAnswer[] {
  const [lo, hi] = q.bounds!;
  const maxAbs = Math.max(Math.abs(lo), Math.abs(hi));
  const step = latticeOf(maxAbs);
  const { sums } = latticeSums(keep, g, nGroups, values, lo, hi, 0, false, step);
  const unitBound = Math.max(Math.abs(Math.round(lo / step)), Math.abs(Math.round(hi / step)));
  const scale = laplaceScale(m * unitBound, q.epsilon);
  const b = scale.num / scale.den;
  const half = discreteLaplaceHalfWidth(b) * step;
  return Array.from({ length: nGroups }, (_, i) => {
    const v = (sums[i]! + sampleDiscreteLaplace(rng, scale)) * step;
    return { key: keyObject(g, i), value: v, mechanism: "discrete_laplace", noise_scale: b * step, epsilon: q.epsilon, delta: 0, ci95: [v - half, v + half] as [number, number] };
  });
}

function momentAnswers(q: DpQuery, keep: Uint8Array, g: Groups, nGroups: number, m: number, values: Float64Array, rng: RandomSource): DpAnswer[] {
  const [lo, hi] = q.bounds!;
  const mid = (lo + hi) / 2;
  const radius = (hi - lo) / 2;
  const parts = q.type === "mean" ? 2 : 3;
  const eps = q.epsilon / parts; // sequential composition over the parts (count, Σ(x-c), Σ(x-c)²)
  const step1 = latticeOf(radius);
  const step2 = latticeOf(radius * radius);
  const first = latticeSums(keep, g, nGroups, values, lo, hi, mid, false, step1);
  const second = parts === 3 ? latticeSums(keep, g, nGroups, values, lo, hi, mid, true, step2) : undefined;
  const sc = laplaceScale(m, eps);
  const s1 = laplaceScale(m * Math.round(radius / step1), eps);
  const s2 = parts === 3 ? laplaceScale(m * Math.round((radius * radius) / step2), eps) : undefined;
  const bc = sc.num / sc.den;
  const b1 = (s1.num / s1.den) * step1;
  const b2 = s2 ? (s2.num / s2.den) * step2 : 0;
  return Array.from({ length: nGroups }, (_, i) => {
    const n = first.counts[i]! + sampleDiscreteLaplace(rng, sc);
    const t1 = (first.sums[i]! + sampleDiscreteLaplace(rng, s1)) * step1;
    const t2 = second && s2 ? (second.sums[i]! + sampleDiscreteLaplace(rng, s2)) * step2 : 0;
    const meanOf = (nn: number, a: number) => Math.min(hi, Math.max(lo, mid + a / Math.max(nn, 1)));
    const varOf = (nn: number, a: number, bq: number) => {
      const d = Math.max(nn, 1);
      return Math.min(radius * radius, Math.max(0, bq / d - (a / d) ** 2));
    };
    const lap = (r: RandomSource, b: number) => {
      const u = r.unitOpen() - 0.5;
      return -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    };
    const value = q.type === "mean" ? meanOf(n, t1) : varOf(n, t1, t2);
    const ci = simulatedInterval(2000, (r) =>
      q.type === "mean" ? meanOf(n + lap(r, bc), t1 + lap(r, b1)) : varOf(n + lap(r, bc), t1 + lap(r, b1), t2 + lap(r, b2)),
    );
    return { key: keyObject(g, i), value, mechanism: "discrete_laplace", noise_scale: parts === 2 ? b1 : b2, epsilon: q.epsilon, delta: 0, ci95: ci };
  });
}

const CANDIDATES = 1024;
const Q_BITS = 16;

// Quantiles by the exponential mechanism (Smith 2011 style) over a grid of 1024 candidates in the
// bounds: utility -|#{x < c} - q·n| in units of 2^-16 (q rounded to 16 bits), sensitivity m·2^16.
function quantileAnswers(q: DpQuery, keep: Uint8Array, g: Groups, nGroups: number, m: number, values: Float64Array, rng: RandomSource): DpAnswer[] {
  const [lo, hi] = q.bounds!;
  const levels = q.quantiles ?? [0.5];
  const eps = q.epsilon / levels.length;
  const perGroup: number[][] = Array.from({ length: nGroups }, () => []);
  for (let r = 0; r < values.length; r++) {
    if (!keep[r] || g.of[r]! < 0 || Number.isNaN(values[r]!)) continue;
    const x = values[r]!;
    perGroup[g.of[r]!]!.push(x < lo ? lo : x > hi ? hi : x);
  }
  const cands = Array.from({ length: CANDIDATES }, (_, j) => lo + ((hi - lo) * j) / (CANDIDATES - 1));
  const sens = m * 2 ** Q_BITS;
  const rankErr = Math.ceil(((2 * m) / eps) * Math.log(CANDIDATES / 0.05));
  const out: DpAnswer[] = [];
  for (let i = 0; i < nGroups; i++) {
    const xs = Float64Array.from(perGroup[i]!).sort();
    const below = new Float64Array(CANDIDATES);
    let k = 0;
    for (let j = 0; j < CANDIDATES; j++) {
      while (k < xs.length && xs[k]! < cands[j]!) k++;
      below[j] = k;
    }
    for (const level of levels) {
      const a = Math.round(level * 2 ** Q_BITS);
      const utilities = Array.from(below, (b) => -Math.abs(b * 2 ** Q_BITS - a * xs.length));
      const j = exponentialMechanism(rng, utilities, sens, eps);
      out.push({ key: keyObject(g, i), quantile: level, value: cands[j]!, mechanism: "exponential", noise_scale: (2 * m) / eps, epsilon: eps, delta: 0, ci95: null, rank_error_95: rankErr });
    }
  }
  return out;
}
