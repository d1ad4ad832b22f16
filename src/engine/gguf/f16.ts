// IEEE 754 binary16 <-> binary32 conversion, bit-exact: round-to-nearest-even, subnormals,
// overflow to infinity, NaN kept NaN. Node 20 has no Float16Array, so this is done on the bits.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bit pattern nearest to `x` (ties to even), as ggml's FP32_TO_FP16 gives it. */
export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  return bitsF32ToF16(u32[0]!);
}

function bitsF32ToF16(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) {
    // Infinity stays infinity; a NaN keeps its top payload bits and is forced quiet so it stays NaN.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  }
  const e = exp - 127 + 15; // re-biased exponent
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Result is subnormal (or zero): value = m * 2^(exp-150), half units are 2^-24, so shift by 126 - exp.
    if (e < -10) return sign; // below half the smallest subnormal (2^-25): rounds to zero
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h++; // may carry into the smallest normal: still correct
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++; // a carry may reach 0x7c00 = infinity, as it should
  return sign | h;
}

/** The float value of a binary16 bit pattern (exact: every binary16 is a binary32). */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** `count` values from `src` (starting at `start`) as little-endian binary16 bytes written into `out` at `outOffset`. */
export function encodeF16(src: Float32Array, start: number, count: number, out: Uint8Array, outOffset: number): void {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < count; i++) {
    const h = bitsF32ToF16(bits[start + i]!);
    out[outOffset + 2 * i] = h & 0xff;
    out[outOffset + 2 * i + 1] = h >>> 8;
  }
}

// 64K-entry table: decoding large f16 tensors is a lookup per element.
let table: Float32Array | undefined;

/** Little-endian binary16 bytes decoded into `out` (count = out.length). */
export function decodeF16(bytes: Uint8Array, out: Float32Array): void {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = f16BitsToF32(h);
  }
  const t = table;
  for (let i = 0; i < out.length; i++) out[i] = t[bytes[2 * i]! | (bytes[2 * i + 1]! << 8)]!;
}
