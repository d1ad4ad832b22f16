// Private selection: the exponential mechanism (McSherry & Talwar 2007), report-noisy-max (Dwork &
// Roth 2014 §3.3) and k-ary randomized response (Warner 1965; Kairouz, Oh, Viswanath 2014). Weights
// exp(-ε·gap) are never computed in floating point: a uniform proposal is accepted with an exact
// Bernoulli(exp(-γ)) trial (CKS 2020 Alg. 1), which samples exactly in proportion to the weights.
import { InvalidArgumentError } from "../../errors/index.ts";
import { bernoulliExpNeg } from "./bernoulli.ts";
import { sampleDiscreteLaplace } from "./discrete.ts";
import { rationalAtLeast, rationalAtMost } from "./rational.ts";
import type { RandomSource } from "./rng.ts";

function checkEpsilon(epsilon: number): void {
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new InvalidArgumentError("epsilon", `must be a finite number > 0, got ${epsilon}`);
}

function checkIntegers(field: string, xs: readonly number[]): void {
  if (xs.length === 0) throw new InvalidArgumentError(field, "must not be empty");
  xs.forEach((x, i) => {
    if (!Number.isSafeInteger(x)) throw new InvalidArgumentError(`${field}[${i}]`, "must be a safe integer");
  });
}

/**
 * Exponential mechanism: returns index i with probability ∝ exp(ε·u_i / (2Δ)), ε-DP when every
 * utility changes by at most Δ between neighbours. Utilities and Δ are integers (scale them first);
 * ε is rounded down to a 20-bit rational, so the guarantee holds for the ε given.
 */
export function exponentialMechanism(rng: RandomSource, utilities: readonly number[], sensitivity: number, epsilon: number): number {
  checkIntegers("utilities", utilities);
  checkEpsilon(epsilon);
  if (!Number.isSafeInteger(sensitivity) || sensitivity < 1) throw new InvalidArgumentError("sensitivity", `must be an integer ≥ 1, got ${sensitivity}`);
  const eps = rationalAtMost(epsilon, "epsilon");
  let best = -Infinity;
  for (const u of utilities) best = Math.max(best, u);
  const denNumber = 2 * sensitivity * eps.den;
  const den = BigInt(2 * sensitivity) * BigInt(eps.den);
  const n = utilities.length;
  for (;;) {
    const i = rng.below(n);
    const gap = best - utilities[i]!;
    if (gap === 0) return i;
    // γ = ε·gap/(2Δ) = eps.num·gap / (2Δ·eps.den), in doubles while exact, else bigint.
    const num = eps.num * gap;
    const accept = Number.isSafeInteger(num) && Number.isSafeInteger(denNumber)
      ? bernoulliExpNeg(rng, num, denNumber)
      : bernoulliExpNeg(rng, BigInt(eps.num) * BigInt(gap), den);
    if (accept) return i;
  }
}

/**
 * Report-noisy-max: argmax of integer scores plus discrete Laplace noise of scale 2Δ/ε, ε-DP for
 * scores of sensitivity Δ (Dwork & Roth 2014 Claim 3.9 uses Δ/ε for monotone counts; 2Δ/ε is the
 * general bound). Ties go to the lowest index.
 */
export function reportNoisyMax(rng: RandomSource, scores: readonly number[], sensitivity: number, epsilon: number): number {
  checkIntegers("scores", scores);
  checkEpsilon(epsilon);
  if (!(sensitivity > 0)) throw new InvalidArgumentError("sensitivity", `must be > 0, got ${sensitivity}`);
  const scale = rationalAtLeast((2 * sensitivity) / epsilon, "scale");
  let best = 0;
  let bestScore = -Infinity;
  scores.forEach((s, i) => {
    const noisy = s + sampleDiscreteLaplace(rng, scale);
    if (noisy > bestScore) {
      bestScore = noisy;
      best = i;
    }
  });
  return best;
}

/**
 * k-ary randomized response: reports the true category with probability e^ε / (e^ε + k - 1) and each
 * other one with probability 1 / (e^ε + k - 1), which is ε-DP (local model).
 */
export function randomizedResponse(rng: RandomSource, trueIndex: number, k: number, epsilon: number): number {
  checkEpsilon(epsilon);
  if (!Number.isSafeInteger(k) || k < 2) throw new InvalidArgumentError("k", `must be an integer ≥ 2, got ${k}`);
  if (!Number.isSafeInteger(trueIndex) || trueIndex < 0 || trueIndex >= k) throw new InvalidArgumentError("value", `must be an index in [0, ${k})`);
  const eps = rationalAtMost(epsilon, "epsilon");
  for (;;) {
    const i = rng.below(k);
    if (i === trueIndex || bernoulliExpNeg(rng, eps.num, eps.den)) return i;
  }
}

/** Randomized response on one bit (Warner 1965): the truth with probability e^ε / (1 + e^ε). */
export function randomizedResponseBit(rng: RandomSource, bit: boolean, epsilon: number): boolean {
  return randomizedResponse(rng, bit ? 1 : 0, 2, epsilon) === 1;
}
