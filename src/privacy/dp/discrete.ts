// Exact samplers on the integers: discrete Laplace and discrete Gaussian, Canonne, Kamath, Steinke
// 2020 ("The Discrete Gaussian for Differential Privacy", NeurIPS), Algorithms 2 and 3. Parameters
// are exact rationals; all arithmetic is on integers, so the output distribution is exactly the
// stated one (no floating-point rounding, the flaw Mironov 2012 exploited in textbook Laplace).
import { LimitExceededError } from "../../errors/index.ts";
import { bernoulliExpNeg } from "./bernoulli.ts";
import type { Rational } from "./rational.ts";
import type { RandomSource } from "./rng.ts";

const SAFE = Number.MAX_SAFE_INTEGER;

function toSafe(x: bigint): number {
  if (x > BigInt(SAFE) || x < -BigInt(SAFE)) throw new LimitExceededError("discrete noise magnitude", Number(x), SAFE);
  return Number(x);
}

/**
 * One draw of the discrete Laplace distribution with scale b = t/s: P(Y = y) ∝ exp(-|y|/b)
 * (CKS 2020 Alg. 2; the geometric mechanism of Ghosh, Roughgarden, Sundararajan 2009).
 * Adding it to an integer query with L1 sensitivity Δ gives (Δ/b)-DP.
 */
export function sampleDiscreteLaplace(rng: RandomSource, scale: Rational): number {
  const t = scale.num;
  const s = scale.den;
  for (;;) {
    const u = rng.below(t);
    if (!bernoulliExpNeg(rng, u, t)) continue;
    let v = 0;
    while (bernoulliExpNeg(rng, 1, 1)) v++;
    let y: number;
    const x = u + t * v;
    if (x <= SAFE) y = Math.floor(x / s);
    else y = toSafe((BigInt(u) + BigInt(t) * BigInt(v)) / BigInt(s));
    // Math.floor on an exact safe-integer quotient can round up by one when x/s is near an integer.
    if (x <= SAFE && y * s > x) y -= 1;
    const negative = rng.bit();
    if (negative && y === 0) continue;
    return negative ? -y : y;
  }
}

/** ⌊√(num/den)⌋ exactly. */
function floorSqrtRational(num: number, den: number): number {
  let c = Math.floor(Math.sqrt(num / den));
  const n = BigInt(num);
  const d = BigInt(den);
  while (BigInt(c + 1) * BigInt(c + 1) * d <= n) c++;
  while (c > 0 && BigInt(c) * BigInt(c) * d > n) c--;
  return c;
}

/**
 * One draw of the discrete Gaussian N_Z(0, σ²) with σ² = num/den: P(Y = y) ∝ exp(-y²/(2σ²))
 * (CKS 2020 Alg. 3: discrete Laplace proposals with t = ⌊σ⌋ + 1, accepted with probability
 * exp(-(|y| - σ²/t)² / (2σ²))).
 */
export function sampleDiscreteGaussian(rng: RandomSource, sigma2: Rational): number {
  const n = sigma2.num;
  const d = sigma2.den;
  const t = floorSqrtRational(n, d) + 1;
  const proposal: Rational = { num: t, den: 1 };
  // γ = (|y|·d·t - n)² / (2·n·d·t²)
  const gammaDen = 2 * n * d * t * t;
  const bigDen = gammaDen > SAFE ? 2n * BigInt(n) * BigInt(d) * BigInt(t) * BigInt(t) : 0n;
  for (;;) {
    const y = sampleDiscreteLaplace(rng, proposal);
    const a = Math.abs(y) * d * t - n;
    let accept: boolean;
    if (bigDen === 0n && Math.abs(a) <= 94906265 /* a² < 2^53 */) {
      accept = bernoulliExpNeg(rng, a * a, gammaDen);
    } else {
      const ab = BigInt(Math.abs(y)) * BigInt(d) * BigInt(t) - BigInt(n);
      accept = bernoulliExpNeg(rng, ab * ab, bigDen === 0n ? BigInt(gammaDen) : bigDen);
    }
    if (accept) return y;
  }
}

/** P(|Z| > k) for Z discrete Laplace with scale b (exact formula, used for confidence intervals). */
export function discreteLaplaceTail(b: number, k: number): number {
  // P(Z = z) = (1 - e^{-1/b}) / (1 + e^{-1/b}) · e^{-|z|/b}; P(|Z| > k) = 2 e^{-(k+1)/b} / (1 + e^{-1/b}).
  const r = Math.exp(-1 / b);
  return (2 * Math.exp(-(k + 1) / b)) / (1 + r);
}

/** The smallest integer k with P(|Z| > k) ≤ 1 - level for discrete Laplace noise of scale b. */
export function discreteLaplaceHalfWidth(b: number, level = 0.95): number {
  const r = Math.exp(-1 / b);
  // 2 e^{-(k+1)/b} / (1 + r) ≤ α  ⇔  k ≥ b·ln(2 / (α (1 + r))) - 1
  const k = Math.ceil(b * Math.log(2 / ((1 - level) * (1 + r))) - 1);
  return Math.max(0, k);
}
