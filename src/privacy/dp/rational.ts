// Exact rationals for sampler parameters. A double is a dyadic rational, but its denominator can be
// 2^1074; samplers instead take a rational rounded in the privacy-safe direction (more noise, or a
// smaller ε) with about 20 significant bits, which keeps the exact arithmetic in fast doubles.
import { InvalidArgumentError } from "../../errors/index.ts";

export interface Rational {
  num: number;
  den: number;
}

const BITS = 20;

const MAX = 2 ** 52;
const MIN = 2 ** -40;

function check(field: string, x: number): void {
  if (!Number.isFinite(x) || x <= 0) throw new InvalidArgumentError(field, `must be a finite number > 0, got ${x}`);
  // Beyond these the exact integer samplers would need integers past 2^53 for every draw.
  if (x > MAX) throw new InvalidArgumentError(field, `is ${x}, above the exact samplers' limit of 2^52; use a larger ε or smaller bounds`);
  if (x < MIN) throw new InvalidArgumentError(field, `is ${x}, below the exact samplers' limit of 2^-40`);
}

/** The smallest rational num/den ≥ x with den a power of two and num < 2^21 (or den = 1 for big x). */
export function rationalAtLeast(x: number, field = "value"): Rational {
  check(field, x);
  if (x >= 2 ** BITS) return { num: Math.ceil(x), den: 1 };
  const den = 2 ** (BITS - Math.floor(Math.log2(x)));
  return { num: Math.ceil(x * den), den };
}

/** The largest rational num/den ≤ x (num ≥ 1) with den a power of two and about 20 significant bits. */
export function rationalAtMost(x: number, field = "value"): Rational {
  check(field, x);
  if (x >= 2 ** BITS) return { num: Math.floor(x), den: 1 };
  const den = 2 ** (BITS - Math.floor(Math.log2(x)));
  return { num: Math.max(1, Math.floor(x * den)), den };
}

export function toNumber(r: Rational): number {
  return r.num / r.den;
}
