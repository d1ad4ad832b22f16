// Fixed-point encoding of reals in F_p: x ↦ round(x·2^f) mod p, negatives as p - |x|. f = 16 as in
// CrypTen (Knott et al., NeurIPS 2021). Every protocol assumes values stay in a signed k-bit window.
import { FixedPointOverflowError } from "./errors.ts";
import { mod, toSigned } from "./field.ts";

export interface FixedParams {
  /** Fractional bits f. */
  frac: number;
  /** Signed bit width k of values that are compared (Mod2m/LTZ inputs): |x·2^f| < 2^(k-1). */
  compareBits: number;
  /** Signed bit width of products before truncation: |x·y·2^2f| < 2^(truncBits-1). */
  truncBits: number;
  /** Statistical security κ of the masks in truncation and comparison (leak ≤ 2^-κ). */
  kappa: number;
}

// A masked opening is a + 2^(k-1) + r < 2^k + 2^(k+κ); with k = truncBits = 86 and κ = 40 that is below
// 2^127 - 1 = p, so it never wraps (Catrina–Saxena 2010, §3). Products (and dot products) must therefore
// satisfy |x·y| < 2^(86-1-32) = 2^53 in real terms; compared values |x| < 2^31.
export const DEFAULT_FIXED: FixedParams = { frac: 16, compareBits: 48, truncBits: 86, kappa: 40 };

/** Largest |x| accepted as an input: comparisons must stay correct on it and on the difference of two inputs. */
export function inputLimit(p: FixedParams = DEFAULT_FIXED): number {
  return 2 ** (p.compareBits - 2 - p.frac);
}

/** `limit` defaults to inputLimit(p); sums that are only added and revealed may use a wider one (≤ 2^100). */
export function encodeFixed(values: readonly number[], field = "input", p: FixedParams = DEFAULT_FIXED, limit = inputLimit(p)): bigint[] {
  const scale = 2 ** p.frac;
  return values.map((x) => {
    if (!Number.isFinite(x) || Math.abs(x) >= limit) throw new FixedPointOverflowError(field, limit);
    return mod(BigInt(Math.round(x * scale)));
  });
}

export function decodeFixed(values: readonly bigint[], p: FixedParams = DEFAULT_FIXED): number[] {
  const scale = 2 ** p.frac;
  return values.map((v) => Number(toSigned(v)) / scale);
}

/** Integers (counts, bits) carry no fractional scale. */
export function encodeInt(values: readonly number[], field = "input"): bigint[] {
  return values.map((x) => {
    if (!Number.isSafeInteger(x)) throw new FixedPointOverflowError(field, Number.MAX_SAFE_INTEGER);
    return mod(BigInt(x));
  });
}

export function decodeInt(values: readonly bigint[]): number[] {
  return values.map((v) => Number(toSigned(v)));
}
