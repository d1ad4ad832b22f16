// Fixed-point encoding of real updates into Z_{2^32} for secure aggregation: clip each coordinate
// range, scale by 2^fracBits, round, and wrap as two's complement, so the modular sum of n encodings
// decodes to the exact sum of the rounded values while |sum| < 2^31.
import { InvalidArgumentError, LimitExceededError } from "../../errors/index.ts";

export interface Quantization {
  /** Each coordinate is clamped to [−bound, bound] before encoding (after L2 clipping, bound = clip norm). */
  bound: number;
  /** Scale 2^fracBits. */
  fracBits: number;
}

/** Largest number of summands for which the sum cannot wrap around. */
export function maxSummands(q: Quantization): number {
  return Math.floor((2 ** 31 - 1) / (q.bound * 2 ** q.fracBits + 0.5));
}

export function checkQuantization(q: Quantization, sites: number): void {
  if (!(q.bound > 0) || !Number.isFinite(q.bound)) throw new InvalidArgumentError("secagg.clip", `must be a positive number, got ${q.bound}`);
  if (!Number.isInteger(q.fracBits) || q.fracBits < 0 || q.fracBits > 30) throw new InvalidArgumentError("secagg.fracBits", `must be an integer in [0, 30], got ${q.fracBits}`);
  const max = maxSummands(q);
  if (sites > max) throw new LimitExceededError("sites under secure aggregation with this clip and fracBits", sites, max);
}

export function quantize(v: Float32Array, q: Quantization): Uint32Array {
  const scale = 2 ** q.fracBits;
  const out = new Uint32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = Math.min(q.bound, Math.max(-q.bound, v[i]!));
    out[i] = Math.round(x * scale) >>> 0;
  }
  return out;
}

/** The real values the server ends with: the modular sum read as signed, divided by the scale. */
export function dequantize(sum: Uint32Array, q: Quantization): Float64Array {
  const scale = 2 ** q.fracBits;
  const out = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = (sum[i]! | 0) / scale;
  return out;
}

/** acc ← acc ± v (mod 2^32), in place. Int32 views keep the JIT in integer arithmetic: the bits are the same. */
export function addInto(acc: Uint32Array, v: Uint32Array, sign: 1 | -1 = 1): void {
  const a = new Int32Array(acc.buffer, acc.byteOffset, acc.length);
  const b = new Int32Array(v.buffer, v.byteOffset, v.length);
  const n = a.length;
  if (sign === 1) for (let i = 0; i < n; i++) a[i] = (a[i]! + b[i]!) | 0;
  else for (let i = 0; i < n; i++) a[i] = (a[i]! - b[i]!) | 0;
}
