// Real-valued noise without floating-point leaks. Scalars: the value is rounded to a lattice gℤ
// (g a power of two) and exact discrete Laplace / Gaussian noise in units of g is added, so every
// step is exact in binary floating point (the "snapping" idea of Mironov 2012 done on a lattice, as
// OpenDP does); the rounding is paid for by one extra lattice unit of sensitivity.
// Vectors (DP-SGD): see gaussianNoiseFloat32.
import { InvalidArgumentError, LimitExceededError } from "../../errors/index.ts";
import { sampleDiscreteGaussian, sampleDiscreteLaplace } from "./discrete.ts";
import { rationalAtLeast } from "./rational.ts";
import type { RandomSource } from "./rng.ts";

const LATTICE_BITS = 20;

/** The lattice spacing for noise of the given scale: a power of two about 2^-20 of the scale. */
export function latticeFor(scale: number): number {
  return 2 ** (Math.floor(Math.log2(scale)) - LATTICE_BITS);
}

function checkPositive(field: string, x: number): void {
  if (!(x > 0) || !Number.isFinite(x)) throw new InvalidArgumentError(field, `must be a finite number > 0, got ${x}`);
}

function roundToLattice(value: number, g: number): number {
  if (!Number.isFinite(value)) throw new InvalidArgumentError("value", "must be a finite number");
  const k = Math.round(value / g);
  if (!Number.isSafeInteger(k)) throw new LimitExceededError("value / lattice spacing", Math.abs(k), Number.MAX_SAFE_INTEGER);
  return k;
}

export interface NoisyValue {
  value: number;
  /** Noise scale actually used: Laplace b or Gaussian σ, in the value's units. */
  scale: number;
  /** Lattice spacing g of the output. */
  granularity: number;
}

/**
 * Laplace mechanism for a real value with L1 sensitivity Δ: ε-DP. The value is rounded to gℤ, which
 * moves neighbouring values at most Δ + g apart, i.e. ⌈Δ/g⌉ + 1 lattice units; discrete Laplace
 * noise of scale (⌈Δ/g⌉ + 1)/ε lattice units (rounded up) makes that ε-DP exactly.
 */
export function laplaceMechanism(rng: RandomSource, value: number, sensitivity: number, epsilon: number): NoisyValue {
  checkPositive("sensitivity", sensitivity);
  checkPositive("epsilon", epsilon);
  const g = latticeFor(sensitivity / epsilon);
  const unitsSensitivity = Math.ceil(sensitivity / g) + 1;
  const scale = rationalAtLeast(unitsSensitivity / epsilon, "scale");
  const k = roundToLattice(value, g) + sampleDiscreteLaplace(rng, scale);
  return { value: k * g, scale: (scale.num / scale.den) * g, granularity: g };
}

/**
 * Gaussian mechanism for a real value: σ is the standard deviation calibrated for L2 sensitivity Δ.
 * On the lattice the sensitivity grows to ⌈Δ/g⌉ + 1 units, so σ is scaled by the same factor to keep
 * σ/Δ (and hence the privacy guarantee) unchanged; the discrete Gaussian is exact (CKS 2020).
 */
export function gaussianMechanism(rng: RandomSource, value: number, sensitivity: number, sigma: number): NoisyValue {
  checkPositive("sensitivity", sensitivity);
  checkPositive("sigma", sigma);
  const g = latticeFor(sigma);
  const unitsSensitivity = Math.ceil(sensitivity / g) + 1;
  const sigmaUnits = (sigma / sensitivity) * unitsSensitivity;
  const sigma2 = rationalAtLeast(sigmaUnits * sigmaUnits, "sigma");
  const k = roundToLattice(value, g) + sampleDiscreteGaussian(rng, sigma2);
  return { value: k * g, scale: Math.sqrt(sigma2.num / sigma2.den) * g, granularity: g };
}

/** A Laplace(0, b) noise draw on the lattice latticeFor(b): the distribution is discrete Laplace · g. */
export function sampleLaplace(rng: RandomSource, scale: number): number {
  checkPositive("scale", scale);
  const g = latticeFor(scale);
  return sampleDiscreteLaplace(rng, rationalAtLeast(scale / g, "scale")) * g;
}

/** A N(0, σ²) noise draw on the lattice latticeFor(σ): the distribution is discrete Gaussian · g. */
export function sampleGaussian(rng: RandomSource, sigma: number): number {
  checkPositive("sigma", sigma);
  const g = latticeFor(sigma);
  const s = sigma / g;
  return sampleDiscreteGaussian(rng, rationalAtLeast(s * s, "sigma")) * g;
}

/**
 * Adds N(0, σ²) noise to every entry of a Float32Array in place (DP-SGD gradients), from the CSPRNG.
 * Floating-point safety: each noise value is the sum of four independent Box–Muller normals scaled
 * by 1/2 (Holohan & Braghin 2021, "Secure Random Sampling in Differential Privacy", the mitigation
 * Opacus uses in secure mode), computed in float64 from 53-bit uniforms, and the sum value + noise is
 * rounded once to float32, whose 24-bit mantissa discards the low-order bits the Mironov 2012 attack
 * reads. This is a mitigation, not an exact sampler; scalar releases use the exact lattice samplers.
 */
export function gaussianNoiseFloat32(rng: RandomSource, out: Float32Array, sigma: number): Float32Array {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new InvalidArgumentError("sigma", `must be a finite number ≥ 0, got ${sigma}`);
  if (sigma === 0) return out;
  const half = sigma / 2;
  for (let i = 0; i < out.length; i++) {
    // Two Box–Muller pairs give four N(0,1); their sum / 2 is N(0,1).
    const r1 = Math.sqrt(-2 * Math.log(rng.unitOpen()));
    const t1 = 2 * Math.PI * rng.unitOpen();
    const r2 = Math.sqrt(-2 * Math.log(rng.unitOpen()));
    const t2 = 2 * Math.PI * rng.unitOpen();
    const z = r1 * Math.cos(t1) + r1 * Math.sin(t1) + r2 * Math.cos(t2) + r2 * Math.sin(t2);
    out[i] = out[i]! + half * z;
  }
  return out;
}
