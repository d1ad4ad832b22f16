// Shamir (t, n) secret sharing over F_p (Shamir, "How to share a secret", CACM 1979): a random
// polynomial f of degree t with f(0) = x; party i holds f(i). Any t+1 shares determine x, any t reveal
// nothing. With n ≥ t+2 shares the redundancy detects a corrupted share: all n points must lie on one
// polynomial of degree ≤ t (a Reed–Solomon codeword; up to n-t-1 wrong shares are detected).
import { InvalidArgumentError } from "../../errors/index.ts";
import { InconsistentShareError } from "./errors.ts";
import { inv, mod, P, randomField } from "./field.ts";

export interface ShamirShare {
  /** The evaluation point (party index + 1; never 0). */
  x: number;
  y: bigint[];
}

function checkParams(t: number, n: number): void {
  if (!Number.isInteger(n) || n < 2) throw new InvalidArgumentError("parties", `must be an integer ≥ 2, got ${n}`);
  if (!Number.isInteger(t) || t < 1 || t >= n) throw new InvalidArgumentError("threshold", `must be an integer in [1, ${n - 1}], got ${t}`);
}

/** Shares every value with a fresh random degree-t polynomial; share i is evaluated at x = i + 1. */
export function shareShamir(values: readonly bigint[], t: number, n: number): ShamirShare[] {
  checkParams(t, n);
  const coeffs = Array.from({ length: t }, () => randomField(values.length));
  return Array.from({ length: n }, (_, i) => {
    const x = BigInt(i + 1);
    const y = values.map((v, k) => {
      // Horner's rule from the highest coefficient down to the secret.
      let acc = 0n;
      for (let d = t - 1; d >= 0; d--) acc = (acc * x + coeffs[d]![k]!) % P;
      return mod(acc * x + v);
    });
    return { x: i + 1, y };
  });
}

/** Lagrange coefficients λ_j(at) for the points xs: f(at) = Σ λ_j f(xs_j). */
export function lagrangeAt(xs: readonly number[], at: number): bigint[] {
  return xs.map((xj, j) => {
    let num = 1n;
    let den = 1n;
    for (let m = 0; m < xs.length; m++) {
      if (m === j) continue;
      num = mod(num * BigInt(at - xs[m]!));
      den = mod(den * BigInt(xj - xs[m]!));
    }
    return mod(num * inv(den));
  });
}

function checkShares(shares: readonly ShamirShare[], t: number): void {
  if (shares.length < t + 1) throw new InvalidArgumentError("shares", `need at least ${t + 1} shares for threshold ${t}, got ${shares.length}`);
  const xs = new Set(shares.map((s) => s.x));
  if (xs.size !== shares.length || shares.some((s) => !Number.isInteger(s.x) || s.x < 1)) throw new InvalidArgumentError("shares", "evaluation points must be distinct positive integers");
  const len = shares[0]!.y.length;
  if (shares.some((s) => s.y.length !== len)) throw new InvalidArgumentError("shares", "share vectors differ in length");
}

/** Reconstructs from the first t+1 shares without checking the rest. */
export function reconstructShamir(shares: readonly ShamirShare[], t: number): bigint[] {
  checkShares(shares, t);
  const basis = shares.slice(0, t + 1);
  const lambda = lagrangeAt(basis.map((s) => s.x), 0);
  return basis[0]!.y.map((_, k) => mod(basis.reduce((acc, s, j) => acc + lambda[j]! * s.y[k]!, 0n)));
}

/**
 * Verified reconstruction: interpolates through t+1 shares and checks that every other share lies on
 * the same polynomial; throws InconsistentShareError otherwise. Needs n ≥ t+2 to detect anything.
 */
export function reconstructShamirVerified(shares: readonly ShamirShare[], t: number, what = "value"): bigint[] {
  checkShares(shares, t);
  if (shares.length < t + 2) throw new InvalidArgumentError("shares", `verified reconstruction needs at least ${t + 2} shares for threshold ${t}`);
  const basis = shares.slice(0, t + 1);
  const xs = basis.map((s) => s.x);
  for (const extra of shares.slice(t + 1)) {
    const lambda = lagrangeAt(xs, extra.x);
    for (let k = 0; k < extra.y.length; k++) {
      const expected = mod(basis.reduce((acc, s, j) => acc + lambda[j]! * s.y[k]!, 0n));
      if (expected !== extra.y[k]) throw new InconsistentShareError(what, { data: { party: extra.x - 1, index: k } });
    }
  }
  return reconstructShamir(shares, t);
}
