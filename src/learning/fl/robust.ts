// Byzantine-robust combination rules. Each needs every single update, so none of them can run under
// secure aggregation (which only reveals the sum).
import { InvalidArgumentError } from "../../errors/index.ts";
import { checkSameLength } from "./vector.ts";

/** Coordinate-wise median (Yin et al. 2018, "Byzantine-Robust Distributed Learning", Alg. 1 option I). */
export function coordinateMedian(vs: Float32Array[]): Float32Array {
  const n = checkSameLength("updates", vs);
  const k = vs.length;
  const out = new Float32Array(n);
  const col = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) col[j] = vs[j]![i]!;
    col.sort();
    out[i] = k % 2 === 1 ? col[(k - 1) / 2]! : (col[k / 2 - 1]! + col[k / 2]!) / 2;
  }
  return out;
}

/** Coordinate-wise β-trimmed mean (Yin et al. 2018, option II): drop ⌊βk⌋ smallest and largest values. */
export function trimmedMean(vs: Float32Array[], beta: number): Float32Array {
  const n = checkSameLength("updates", vs);
  const k = vs.length;
  const cut = Math.floor(beta * k);
  if (k - 2 * cut < 1) throw new InvalidArgumentError("strategy.trimFraction", `cuts all ${k} updates; lower it`);
  const out = new Float32Array(n);
  const col = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) col[j] = vs[j]![i]!;
    col.sort();
    let s = 0;
    for (let j = cut; j < k - cut; j++) s += col[j]!;
    out[i] = s / (k - 2 * cut);
  }
  return out;
}

function squaredDistance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/** Krum scores: for each update, the sum of squared distances to its n − f − 2 nearest others (Blanchard et al. 2017). */
export function krumScores(vs: Float32Array[], f: number): number[] {
  checkSameLength("updates", vs);
  const k = vs.length;
  if (!Number.isInteger(f) || f < 0) throw new InvalidArgumentError("strategy.byzantine", `must be an integer ≥ 0, got ${f}`);
  if (k <= 2 * f + 2) throw new InvalidArgumentError("strategy.byzantine", `Krum needs more than 2f + 2 = ${2 * f + 2} updates, got ${k}`);
  const d = vs.map((a, i) => vs.map((b, j) => (i === j ? 0 : j < i ? 0 : squaredDistance(a, b))));
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) d[i]![j] = d[j]![i]!;
  const near = k - f - 2;
  return d.map((row, i) => row.filter((_, j) => j !== i).sort((x, y) => x - y).slice(0, near).reduce((a, b) => a + b, 0));
}

/** Krum (m = 1) or Multi-Krum (mean of the m lowest-scored updates). */
export function krum(vs: Float32Array[], f: number, m = 1): Float32Array {
  const scores = krumScores(vs, f);
  if (!Number.isInteger(m) || m < 1 || m > vs.length) throw new InvalidArgumentError("strategy.krumSelect", `must be an integer in [1, ${vs.length}], got ${m}`);
  const best = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, m).map(([, i]) => i);
  const out = new Float32Array(vs[0]!.length);
  for (const i of best) for (let j = 0; j < out.length; j++) out[j]! += vs[i]![j]! / m;
  return out;
}
