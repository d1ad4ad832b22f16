// Arithmetic in the prime field F_p with p = 2^127 - 1 (the Mersenne prime M127), on BigInt.
// Why this prime: fixed-point values live in a signed k-bit window (k = 86 for products before
// truncation, see fixed.ts) and the statistically hiding masks of Catrina–Saxena truncation and
// comparison need 2^k + 2^(k+κ) < p with κ = 40; 2^61-1 would leave no room for even one product of two
// 16-fractional-bit values plus a 40-bit mask. Mersenne form also makes the choice easy to audit.
import { randomBytes } from "node:crypto";
import { InvalidArgumentError } from "../../errors/index.ts";

export const P = (1n << 127n) - 1n;
export const FIELD_BYTES = 16;
const MASK127 = (1n << 127n) - 1n;

export function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

export function addVec(a: readonly bigint[], b: readonly bigint[]): bigint[] {
  return a.map((x, i) => mod(x + b[i]!));
}

export function subVec(a: readonly bigint[], b: readonly bigint[]): bigint[] {
  return a.map((x, i) => mod(x - b[i]!));
}

export function scaleVec(a: readonly bigint[], c: bigint): bigint[] {
  return a.map((x) => mod(x * c));
}

/** a^e mod p by square-and-multiply. */
export function powMod(a: bigint, e: bigint): bigint {
  let base = mod(a);
  let result = 1n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % P;
    base = (base * base) % P;
    e >>= 1n;
  }
  return result;
}

/** Multiplicative inverse by Fermat's little theorem (p prime). */
export function inv(a: bigint): bigint {
  if (mod(a) === 0n) throw new InvalidArgumentError("value", "zero has no inverse in the field");
  return powMod(a, P - 2n);
}

/** Reads 16-byte little-endian words as field elements; a word equal to p (probability 2^-127) maps to 0. */
export function bytesToField(buf: Uint8Array, count: number): bigint[] {
  if (buf.byteLength < count * FIELD_BYTES) throw new InvalidArgumentError("buffer", `needs ${count * FIELD_BYTES} bytes, has ${buf.byteLength}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out = new Array<bigint>(count);
  for (let i = 0; i < count; i++) {
    const lo = view.getBigUint64(i * 16, true);
    const hi = view.getBigUint64(i * 16 + 8, true);
    const v = ((hi << 64n) | lo) & MASK127;
    out[i] = v === P ? 0n : v;
  }
  return out;
}

/** Serialises field elements as 16-byte little-endian words (the wire format of shares). */
export function fieldToBytes(values: readonly bigint[]): Uint8Array {
  const buf = new Uint8Array(values.length * FIELD_BYTES);
  const view = new DataView(buf.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0n || v >= P) throw new InvalidArgumentError("share", "is not a reduced field element");
    view.setBigUint64(i * 16, v & 0xffff_ffff_ffff_ffffn, true);
    view.setBigUint64(i * 16 + 8, v >> 64n, true);
  }
  return buf;
}

/** Uniform field elements from the OS CSPRNG (bias from mapping p→0 is 2^-127). */
export function randomField(count: number): bigint[] {
  return bytesToField(randomBytes(count * FIELD_BYTES), count);
}

/** Uniform integers in [0, 2^bits) from the CSPRNG, bits ≤ 126. */
export function randomBelowPow2(count: number, bits: number): bigint[] {
  const mask = (1n << BigInt(bits)) - 1n;
  return randomField(count).map((v) => v & mask);
}

/** Uniform bits from the CSPRNG as field elements 0/1. */
export function randomBits(count: number): bigint[] {
  const bytes = randomBytes(Math.ceil(count / 8));
  const out = new Array<bigint>(count);
  for (let i = 0; i < count; i++) out[i] = BigInt((bytes[i >> 3]! >> (i & 7)) & 1);
  return out;
}

/** The signed integer a field element stands for: values above p/2 are negative. */
export function toSigned(v: bigint): bigint {
  return v > P >> 1n ? v - P : v;
}
