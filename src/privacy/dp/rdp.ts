// Rényi-DP accounting: the Gaussian and Poisson-subsampled Gaussian mechanisms (Mironov, Talwar,
// Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism", §3.2 integer and §3.3
// fractional orders), the Laplace mechanism (Mironov 2017, Prop. 6), and conversion to (ε, δ).
// Everything is computed in log space; the numbers follow Google's dp_accounting (0.4+).
import { InvalidArgumentError } from "../../errors/index.ts";
import { logAdd, logErfc, logSumExp } from "./special.ts";

/** dp_accounting's default orders: 1.1, 1.2, …, 10.9, then 11…63, then 128, 256, 512, 1024. */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 53 }, (_, i) => 11 + i),
  128, 256, 512, 1024,
]);

/** The orders of TF Privacy's compute_dp_sgd_privacy (used by its reference test values). */
export const TF_PRIVACY_ORDERS: readonly number[] = Object.freeze([
  1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, ...Array.from({ length: 59 }, (_, i) => 5 + i), 128, 256, 512,
]);

function checkOrder(alpha: number): void {
  if (!(alpha > 1)) throw new InvalidArgumentError("orders", `every RDP order must be > 1, got ${alpha}`);
}

/** log |C(α, i)| for real α ≥ 0 and integer i ≥ 0, by the product (α - k + 1)/k (no gamma function). */
function logAbsBinomials(alpha: number, count: number): Float64Array {
  const out = new Float64Array(count);
  let acc = 0;
  for (let i = 1; i < count; i++) {
    acc += Math.log(Math.abs(alpha - i + 1)) - Math.log(i);
    out[i] = acc;
  }
  return out;
}

// MTZ 2019 §3.2: A_α = Σ_{i=0}^{α} C(α,i) (1-q)^{α-i} q^i exp((i² - i)/(2σ²)) for integer α.
function logAInteger(q: number, sigma: number, alpha: number): number {
  const logq = Math.log(q);
  const log1mq = Math.log1p(-q);
  const lc = logAbsBinomials(alpha, alpha + 1);
  const terms = new Float64Array(alpha + 1);
  for (let i = 0; i <= alpha; i++) terms[i] = lc[i]! + i * logq + (alpha - i) * log1mq + (i * i - i) / (2 * sigma * sigma);
  return logSumExp(terms);
}

const MAX_FRAC_STEPS = 1000;

// MTZ 2019 §3.3: A_α split at z0 = σ² log(1/q - 1) + 1/2 into two series with erfc tails. Like
// dp_accounting, the terms are added with |C(α, i)|, an upper bound on the signed series.
function logAFractional(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const logq = Math.log(q);
  const log1mq = Math.log1p(-q);
  const s2 = Math.SQRT2 * sigma;
  let lastS0 = -Infinity;
  let lastS1 = -Infinity;
  let logCoef = 0;
  for (let i = 0; i < MAX_FRAC_STEPS; i++) {
    if (i > 0) logCoef += Math.log(Math.abs(alpha - i + 1)) - Math.log(i);
    const j = alpha - i;
    const logT0 = logCoef + i * logq + j * log1mq;
    const logT1 = logCoef + j * logq + i * log1mq;
    const logE0 = Math.log(0.5) + logErfc((i - z0) / s2);
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / s2);
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    logA0 = logAdd(logA0, logS0);
    logA1 = logAdd(logA1, logS1);
    const total = logAdd(logA0, logA1);
    if (logS0 < lastS0 && logS1 < lastS1 && Math.max(logS0, logS1) < total - 30) return total;
    lastS0 = logS0;
    lastS1 = logS1;
  }
  return Infinity; // did not converge: this order is excluded (ε = ∞), as dp_accounting does
}

/** RDP ε(α) of the Gaussian mechanism with noise multiplier σ (std / L2 sensitivity): α / (2σ²). */
export function rdpGaussian(noiseMultiplier: number, orders: readonly number[] = DEFAULT_RDP_ORDERS): number[] {
  return orders.map((a) => {
    checkOrder(a);
    return noiseMultiplier === 0 ? Infinity : a / (2 * noiseMultiplier * noiseMultiplier);
  });
}

/** RDP ε(α) of one step of the Poisson-subsampled Gaussian mechanism (rate q, noise multiplier σ). */
export function rdpPoissonSubsampledGaussian(samplingRate: number, noiseMultiplier: number, orders: readonly number[] = DEFAULT_RDP_ORDERS): number[] {
  const q = samplingRate;
  const sigma = noiseMultiplier;
  if (!(q >= 0 && q <= 1)) throw new InvalidArgumentError("sampling_rate", `must be in [0, 1], got ${q}`);
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new InvalidArgumentError("noise_multiplier", `must be a finite number ≥ 0, got ${sigma}`);
  return orders.map((a) => {
    checkOrder(a);
    if (q === 0) return 0;
    if (!Number.isFinite(a) || sigma === 0) return Infinity;
    if (q === 1) return a / (2 * sigma * sigma);
    const logA = Number.isInteger(a) ? logAInteger(q, sigma, a) : logAFractional(q, sigma, a);
    return logA / (a - 1);
  });
}

/** RDP of the Laplace mechanism with scale b per unit L1 sensitivity (Mironov 2017, Prop. 6). */
export function rdpLaplace(scale: number, orders: readonly number[] = DEFAULT_RDP_ORDERS): number[] {
  const inv = 1 / scale;
  return orders.map((a) => {
    checkOrder(a);
    const t1 = Math.log(a / (2 * a - 1)) + (a - 1) * inv;
    const t2 = Math.log((a - 1) / (2 * a - 1)) - a * inv;
    return logAdd(t1, t2) / (a - 1);
  });
}

export type RdpConversion = "cks" | "classic";

/**
 * Smallest ε over the orders such that the RDP curve implies (ε, δ)-DP. "cks": Canonne, Kamath,
 * Steinke 2020 Prop. 12 (also Asoodeh et al. 2020 eq. 20), ε = r + log1p(-1/α) - log(δα)/(α-1),
 * with dp_accounting's KL shortcut (ε = 0 when δ² + expm1(-r) > 0) and orders ≤ 1.01 skipped;
 * "classic": Mironov 2017 Prop. 3, ε = r - log(δ)/(α-1).
 */
export function rdpToEpsilon(orders: readonly number[], rdp: readonly number[], delta: number, conversion: RdpConversion = "cks"): { epsilon: number; order: number } {
  if (!(delta >= 0 && delta < 1)) throw new InvalidArgumentError("delta", `must be in [0, 1), got ${delta}`);
  if (orders.length !== rdp.length) throw new InvalidArgumentError("rdp", "needs one value per order");
  if (delta === 0) return rdp.every((r) => r === 0) ? { epsilon: 0, order: orders[0] ?? 0 } : { epsilon: Infinity, order: orders[0] ?? 0 };
  let best = Infinity;
  let bestOrder = orders[0] ?? 0;
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i]!;
    const r = rdp[i]!;
    checkOrder(a);
    let eps: number;
    if (conversion === "classic") eps = r - Math.log(delta) / (a - 1);
    else if (r < 0) eps = 0;
    else if (delta * delta + Math.expm1(-r) > 0) eps = 0;
    else if (a > 1.01) eps = r + Math.log1p(-1 / a) - Math.log(delta * a) / (a - 1);
    else eps = Infinity;
    if (eps < best) {
      best = eps;
      bestOrder = a;
    }
  }
  return { epsilon: Math.max(0, best), order: bestOrder };
}

/** Smallest δ over the orders for a target ε (CKS 2020 Prop. 12, with the KL bound for small α). */
export function rdpToDelta(orders: readonly number[], rdp: readonly number[], epsilon: number): { delta: number; order: number } {
  if (!(epsilon >= 0)) throw new InvalidArgumentError("epsilon", `must be ≥ 0, got ${epsilon}`);
  let best = Infinity;
  let bestOrder = orders[0] ?? 0;
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i]!;
    const r = rdp[i]!;
    let logDelta = r < 0 || r === 0 ? -Infinity : 0.5 * Math.log1p(-Math.exp(-r));
    if (a > 1.01) logDelta = Math.min(logDelta, (a - 1) * (r - epsilon + Math.log1p(-1 / a)) - Math.log(a));
    if (logDelta < best) {
      best = logDelta;
      bestOrder = a;
    }
  }
  return { delta: Math.min(Math.exp(best), 1), order: bestOrder };
}
