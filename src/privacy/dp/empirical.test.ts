// Empirical privacy check of the Laplace count: on neighbouring datasets (100 vs 101 rows) the
// observed log-ratio of output probabilities stays within ε. Confidence: only outputs seen ≥ 10^4
// times in both runs are compared; each log-ratio estimate has standard error ≤ √(2/10^4) ≈ 0.0141,
// and the margin 4.5 SE per output, Bonferroni over ≤ 40 outputs, bounds a false alarm by 3e-4.
// The same check must flag a mechanism with half the noise (its true log-ratio is 2ε).
import assert from "node:assert/strict";
import { test } from "node:test";
import { executeQuery } from "./analytics.ts";
import { sampleDiscreteLaplace } from "./discrete.ts";
import { parseDpQuery } from "./query.ts";
import { RandomSource } from "./rng.ts";
import { tableFromCsv } from "./table.ts";

const EPS = 0.5;
const DRAWS = 300_000;
const MIN_COUNT = 10_000;
const MARGIN = 4.5 * Math.sqrt(2 / MIN_COUNT);

function histogram(draw: () => number): Map<number, number> {
  const h = new Map<number, number>();
  for (let i = 0; i < DRAWS; i++) {
    const v = draw();
    h.set(v, (h.get(v) ?? 0) + 1);
  }
  return h;
}

function maxLogRatio(a: Map<number, number>, b: Map<number, number>): { max: number; compared: number } {
  let max = 0;
  let compared = 0;
  for (const [k, ca] of a) {
    const cb = b.get(k) ?? 0;
    if (ca < MIN_COUNT || cb < MIN_COUNT) continue;
    compared++;
    max = Math.max(max, Math.abs(Math.log(ca / cb)));
  }
  return { max, compared };
}

test("Laplace count on neighbouring datasets: observed |log P(o|D)/P(o|D')| ≤ ε (+ 4.5 SE)", () => {
  const schema = [{ name: "x", type: "number" as const }];
  const d = tableFromCsv("x\n" + Array.from({ length: 100 }, (_, i) => i).join("\n"), schema);
  const dPrime = tableFromCsv("x\n" + Array.from({ length: 101 }, (_, i) => i).join("\n"), schema);
  const q = parseDpQuery({ type: "count", epsilon: EPS }, schema);
  const rng = RandomSource.seededForTests("empirical-privacy");
  const a = histogram(() => executeQuery(q, d, null, rng)[0]!.value);
  const b = histogram(() => executeQuery(q, dPrime, null, rng)[0]!.value);
  const { max, compared } = maxLogRatio(a, b);
  assert.ok(compared >= 6, `only ${compared} outputs compared`);
  assert.ok(max <= EPS + MARGIN, `observed log-ratio ${max} exceeds ε = ${EPS} + ${MARGIN}`);
  assert.ok(max >= EPS - MARGIN, `observed ${max}: the check should see the full ε on the tails`);

  // Power: half the noise is a 2ε mechanism, and the same check catches it.
  const half = { num: 1, den: 1 }; // scale 1 = 1/(2ε)
  const a2 = histogram(() => 100 + sampleDiscreteLaplace(rng, half));
  const b2 = histogram(() => 101 + sampleDiscreteLaplace(rng, half));
  assert.ok(maxLogRatio(a2, b2).max > EPS + MARGIN);
});
