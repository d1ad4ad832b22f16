// Calibrating the Gaussian mechanism for (ε, δ): the analytic Gaussian mechanism (Balle & Wang 2018,
// Thm 8) for the continuous bound, checked against the exact privacy curve of the discrete Gaussian
// (Canonne, Kamath, Steinke 2020, Thm 7) that the integer releases actually use.
import { InvalidArgumentError } from "../../errors/index.ts";
import { rationalAtLeast, type Rational } from "./rational.ts";
import { DEFAULT_RDP_ORDERS, rdpToDelta } from "./rdp.ts";
import { logNormalSf, normalCdf } from "./special.ts";

/** δ(ε) of N(0, σ²) noise on a query of L2 sensitivity Δ (Balle & Wang 2018, Thm 8). */
export function gaussianDelta(sigma: number, sensitivity: number, epsilon: number): number {
  const a = sensitivity / (2 * sigma);
  const b = (epsilon * sigma) / sensitivity;
  // e^ε Φ(-a-b) as exp(ε + log Φ̄(a+b)): no overflow for large ε.
  return normalCdf(a - b) - Math.exp(epsilon + logNormalSf(a + b));
}

/** The smallest σ (relative precision 1e-6, rounded up) with gaussianDelta(σ) ≤ δ. */
export function analyticGaussianSigma(epsilon: number, delta: number, sensitivity: number): number {
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new InvalidArgumentError("epsilon", `must be a finite number > 0, got ${epsilon}`);
  if (!(delta > 0 && delta < 1)) throw new InvalidArgumentError("delta", `must be in (0, 1) for the Gaussian mechanism, got ${delta}`);
  let lo = 1e-6 * sensitivity;
  let hi = sensitivity;
  while (gaussianDelta(hi, sensitivity, epsilon) > delta) hi *= 2;
  while ((hi - lo) / hi > 1e-6) {
    const mid = (lo + hi) / 2;
    if (gaussianDelta(mid, sensitivity, epsilon) <= delta) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Exact δ(ε) of the discrete Gaussian N_Z(0, σ²) on an integer query of sensitivity Δ (CKS 2020 Thm 7):
 * P[Y > εσ²/Δ - Δ/2] - e^ε P[Y > εσ²/Δ + Δ/2]. Sums over |y| ≤ 14σ + Δ (the rest is < e^-98).
 */
export function discreteGaussianDelta(sigma2: Rational, sensitivity: number, epsilon: number): number {
  const s2 = sigma2.num / sigma2.den;
  const sigma = Math.sqrt(s2);
  const lim = Math.ceil(14 * sigma) + sensitivity + 1;
  let z = 0;
  for (let y = -lim; y <= lim; y++) z += Math.exp(-(y * y) / (2 * s2));
  const t1 = (epsilon * s2) / sensitivity - sensitivity / 2;
  const t2 = (epsilon * s2) / sensitivity + sensitivity / 2;
  let p1 = 0;
  let p2 = 0;
  for (let y = lim; y > t1; y--) {
    const w = Math.exp(-(y * y) / (2 * s2));
    p1 += w;
    if (y > t2) p2 += w;
  }
  return Math.max(0, (p1 - Math.exp(epsilon) * p2) / z);
}

/** σ² (rational, for sampleDiscreteGaussian) of a discrete Gaussian meeting (ε, δ) for integer Δ. */
export function calibrateDiscreteGaussian(epsilon: number, delta: number, sensitivity: number): Rational {
  let sigma = analyticGaussianSigma(epsilon, delta, sensitivity);
  for (let i = 0; i < 200; i++) {
    const s2 = rationalAtLeast(sigma * sigma, "sigma");
    if (sigma > 2e5 || discreteGaussianDelta(s2, sensitivity, epsilon) <= delta) return s2;
    sigma *= 1.001;
  }
  throw new InvalidArgumentError("delta", "no discrete Gaussian calibration found");
}

/**
 * σ² for a vector of independent discrete Gaussians on a query of L2 sensitivity Δ meeting (ε, δ):
 * the vector is ρ-zCDP with ρ = Δ²/(2σ²) (CKS 2020 §5, multivariate discrete Gaussian), i.e. RDP αρ at every
 * order α, converted with CKS Prop. 12. Used where the 1-D curve of Thm 7 does not apply.
 */
export function calibrateDiscreteGaussianVector(epsilon: number, delta: number, sensitivity: number): Rational {
  const ok = (sigma: number) => rdpToDelta(DEFAULT_RDP_ORDERS, DEFAULT_RDP_ORDERS.map((a) => (a * sensitivity * sensitivity) / (2 * sigma * sigma)), epsilon).delta <= delta;
  let lo = analyticGaussianSigma(epsilon, delta, sensitivity); // zCDP is never tighter than the exact curve
  let hi = lo * 2;
  while (!ok(hi)) hi *= 2;
  while ((hi - lo) / hi > 1e-6) {
    const mid = (lo + hi) / 2;
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return rationalAtLeast(hi * hi, "sigma");
}
