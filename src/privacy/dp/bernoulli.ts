// Exact Bernoulli trials with rational parameters: Bernoulli(num/den) and Bernoulli(exp(-num/den)),
// Canonne, Kamath, Steinke 2020, "The Discrete Gaussian for Differential Privacy", Algorithm 1.
// Only integer arithmetic is used (numbers while they stay below 2^53, bigint beyond), so the
// probabilities are exact and no floating-point rounding can leak through them (Mironov 2012).
import type { RandomSource } from "./rng.ts";

const SAFE = Number.MAX_SAFE_INTEGER;

/** Bernoulli(num/den) for integers 0 ≤ num ≤ den, den ≥ 1. */
export function bernoulliRational(rng: RandomSource, num: number | bigint, den: number | bigint): boolean {
  if (typeof num === "number" && typeof den === "number" && den <= SAFE) return rng.below(den) < num;
  return rng.belowBig(BigInt(den)) < BigInt(num);
}

/** Bernoulli(exp(-γ)) for γ = num/den ≥ 0 given as non-negative integers, den ≥ 1 (CKS 2020 Alg. 1). */
export function bernoulliExpNeg(rng: RandomSource, num: number | bigint, den: number | bigint): boolean {
  if (typeof num === "number" && typeof den === "number" && num <= SAFE && den <= SAFE) return expNegNumber(rng, num, den);
  return expNegBig(rng, BigInt(num), BigInt(den));
}

function expNegNumber(rng: RandomSource, num: number, den: number): boolean {
  if (num > den) {
    // exp(-γ) = exp(-1)^⌊γ⌋ · exp(-(γ - ⌊γ⌋)): stop at the first failure.
    let whole = Math.floor(num / den);
    let rest = num - whole * den;
    if (rest < 0) { whole -= 1; rest += den; } else if (rest >= den) { whole += 1; rest -= den; }
    for (let i = 0; i < whole; i++) if (!expNegAtMostOne(rng, 1, 1)) return false;
    return expNegAtMostOne(rng, rest, den);
  }
  return expNegAtMostOne(rng, num, den);
}

// γ ∈ [0, 1]: draw A_k ~ Bernoulli(γ/k) for k = 1, 2, … until the first failure; exp(-γ) = P(that k is odd).
function expNegAtMostOne(rng: RandomSource, num: number, den: number): boolean {
  if (num === 0) return true;
  let k = 1;
  for (;;) {
    const d = den * k;
    const success = d <= SAFE ? rng.below(d) < num : rng.belowBig(BigInt(den) * BigInt(k)) < BigInt(num);
    if (!success) return (k & 1) === 1;
    k++;
  }
}

function expNegBig(rng: RandomSource, num: bigint, den: bigint): boolean {
  if (num > den) {
    const whole = num / den;
    const rest = num - whole * den;
    for (let i = 0n; i < whole; i++) if (!expNegNumber(rng, 1, 1)) return false;
    return expNegBigAtMostOne(rng, rest, den);
  }
  return expNegBigAtMostOne(rng, num, den);
}

function expNegBigAtMostOne(rng: RandomSource, num: bigint, den: bigint): boolean {
  if (num === 0n) return true;
  let k = 1n;
  for (;;) {
    if (!(rng.belowBig(den * k) < num)) return (k & 1n) === 1n;
    k++;
  }
}
