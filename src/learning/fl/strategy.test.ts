// Aggregation strategies against values computed by hand.
import assert from "node:assert/strict";
import { test } from "node:test";
import { addProximalGradient, proximalTerm } from "./proximal.ts";
import { coordinateMedian, krum, krumScores, trimmedMean } from "./robust.ts";
import { aggregate, aggregateMean, getStrategy, strategyNames, weightedMean } from "./strategy.ts";
import { clipL2, flattenWeights, unflattenWeights } from "./vector.ts";

const f = (...x: number[]) => Float32Array.from(x);
const close = (a: Float32Array, b: number[], eps = 1e-6) => {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < eps, `index ${i}: ${x} vs ${b[i]}`));
};

test("FedAvg weights updates by example count", () => {
  // (1·[1,2] + 3·[5,-2]) / 4 = [4, -1]; global [10, 10] + 1·[4, -1].
  const r = aggregate("fedavg", f(10, 10), [{ delta: f(1, 2), examples: 1 }, { delta: f(5, -2), examples: 3 }], { round: 0 });
  close(r.global, [14, 9]);
  assert.equal(r.state.round, 1);
  close(weightedMean([{ delta: f(2), examples: 2 }, { delta: f(4), examples: 2 }]), [3]);
});

test("FedSGD and FedProx step the server by η times the mean; FedSGD asks sites for a gradient", () => {
  const r = aggregate("fedsgd", f(1, 1), [{ delta: f(-2, 4), examples: 1 }, { delta: f(0, 0), examples: 1 }], { round: 3 }, { serverLr: 0.5 });
  close(r.global, [0.5, 2]);
  assert.equal(getStrategy("fedsgd").clientUpdate, "gradient");
  close(aggregate("fedprox", f(0), [{ delta: f(2), examples: 1 }], { round: 0 }).global, [2]);
});

test("FedAdam follows Reddi et al. 2021 Alg. 2 by hand", () => {
  // Δ = 1, β1 = .9, β2 = .99, τ = .1, η = .1, v0 = τ² = .01:
  // m = .1, v = .99·.01 + .01·1 = .0199, x = 0 + .1·.1/(√.0199 + .1) = .01/.241067... = 0.0414822
  const r = aggregateMean("fedadam", f(0), f(1), { round: 0 }, { serverLr: 0.1, tau: 0.1 });
  close(r.global, [0.01 / (Math.sqrt(0.0199) + 0.1)], 1e-6);
  close(r.state.m!, [0.1]);
  close(r.state.v!, [0.0199]);
  // Second round carries the moments: Δ = 0 → m = .09, v = .99·.0199 = .019701.
  const r2 = aggregateMean("fedadam", r.global, f(0), r.state, { serverLr: 0.1, tau: 0.1 });
  close(r2.state.m!, [0.09]);
  close(r2.state.v!, [0.019701]);
});

test("FedYogi's second moment moves additively by sign(v − Δ²)", () => {
  // v0 = .01, Δ² = 1 → v = .01 − .01·1·sign(.01 − 1) = .02; x = .1·.1/(√.02 + .1)
  const r = aggregateMean("fedyogi", f(0), f(1), { round: 0 }, { serverLr: 0.1, tau: 0.1 });
  close(r.state.v!, [0.02]);
  close(r.global, [0.01 / (Math.sqrt(0.02) + 0.1)]);
  // Δ = 0 → v − Δ² > 0 → v shrinks by nothing (Δ² = 0): stays .02
  close(aggregateMean("fedyogi", r.global, f(0), r.state, { tau: 0.1 }).state.v!, [0.02]);
});

test("FedMedian, trimmed mean and Krum by hand", () => {
  const vs = [f(1, 10), f(2, 20), f(3, 30), f(100, -5)];
  close(coordinateMedian(vs), [2.5, 15]);
  close(coordinateMedian(vs.slice(0, 3)), [2, 20]);
  close(trimmedMean(vs, 0.25), [2.5, 15]); // drops 1 from each end per coordinate
  close(trimmedMean(vs, 0), [26.5, 13.75]);
  // 1-D Krum with f = 1, n = 5 → n − f − 2 = 2 nearest neighbours.
  const xs = [f(0), f(1), f(2), f(3), f(50)];
  assert.deepEqual(krumScores(xs, 1), [1 + 4, 1 + 1, 1 + 1, 1 + 4, 47 * 47 + 48 * 48]);
  close(krum(xs, 1), [1]); // ties broken by index
  close(krum(xs, 1, 2), [1.5]);
  assert.throws(() => krum(xs.slice(0, 4), 1), /more than 2f \+ 2/);
});

test("robust strategies refuse secure aggregation; mean-based ones accept it", () => {
  for (const name of ["fedmedian", "trimmedmean", "krum"]) {
    assert.equal(getStrategy(name).secureAggregation, false);
    assert.throws(() => aggregateMean(name, f(0), f(0), { round: 0 }), /cannot be combined with secure aggregation/);
  }
  for (const name of ["fedavg", "fedsgd", "fedprox", "fedadam", "fedyogi"]) assert.equal(getStrategy(name).secureAggregation, true);
  assert.equal(strategyNames().length, 8);
  assert.throws(() => getStrategy("fedfoo"), /unknown strategy 'fedfoo'/);
  close(aggregate("fedmedian", f(1), [{ delta: f(1), examples: 1 }, { delta: f(3), examples: 1 }, { delta: f(9), examples: 1 }], { round: 0 }).global, [4]);
});

test("bad updates are rejected naming the field", () => {
  assert.throws(() => aggregate("fedavg", f(0, 0), [{ delta: f(1), examples: 1 }], { round: 0 }), /updates\[0\]: has 1 values, expected 2/);
  assert.throws(() => aggregate("fedavg", f(0), [{ delta: f(NaN), examples: 1 }], { round: 0 }), /non-finite/);
  assert.throws(() => aggregate("fedavg", f(0), [{ delta: f(1), examples: 0 }], { round: 0 }), /examples: must be a positive number/);
  assert.throws(() => aggregateMean("fedadam", f(0), f(0), { round: 0 }, { beta1: 2 }), /strategy.beta1/);
});

test("FedProx client piece: μ/2‖w − w_t‖² and its gradient", () => {
  assert.equal(proximalTerm(f(1, 3), f(0, 1), 0.5), 0.25 * (1 + 4));
  close(addProximalGradient(f(1, 1), f(1, 3), f(0, 1), 0.5), [1.5, 2]);
  assert.throws(() => proximalTerm(f(1), f(1), -1), /strategy.mu/);
});

test("clipping and flattening", () => {
  close(clipL2(f(3, 4), 1), [0.6, 0.8]);
  close(clipL2(f(0.3, 0.4), 1), [0.3, 0.4]);
  const w = new Map([["a", f(1, 2)], ["b", f(3)]]);
  const flat = flattenWeights(w, ["b", "a"]);
  close(flat, [3, 1, 2]);
  const back = unflattenWeights(flat, [["b", 1], ["a", 2]]);
  close(back.get("a")!, [1, 2]);
});
