// Q8_0 block quantisation, bit-identical to ggml's quantize_row_q8_0_ref: blocks of 32 values,
// each stored as an f16 scale d = max|x| / 127 followed by 32 int8 q = round(x / d) (34 bytes).
import { decodeF16, f16BitsToF32, f32ToF16Bits } from "./f16.ts";

export const Q8_0_BLOCK = 32;
export const Q8_0_BYTES = 34;

const fround = Math.fround;

/** C roundf: halves go away from zero (Math.round would send -2.5 to -2). */
function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/**
 * Quantises `nBlocks` blocks of `src` starting at element `start` into `out` at `outOffset`.
 * Every step is rounded to float32 as the C code computes it, so the bytes match ggml's.
 */
export function quantizeQ8_0(src: Float32Array, start: number, nBlocks: number, out: Uint8Array, outOffset: number): void {
  for (let b = 0; b < nBlocks; b++) {
    const base = start + b * Q8_0_BLOCK;
    let amax = 0;
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const a = Math.abs(src[base + j]!);
      amax = amax > a ? amax : a; // C's MAX macro, NaN included
    }
    const d = fround(amax / 127);
    const id = d !== 0 ? fround(1 / d) : 0;
    const h = f32ToF16Bits(d);
    const o = outOffset + b * Q8_0_BYTES;
    out[o] = h & 0xff;
    out[o + 1] = h >>> 8;
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      out[o + 2 + j] = roundHalfAway(fround(src[base + j]! * id)) & 0xff;
    }
  }
}

/** Dequantises whole blocks: `bytes` holds out.length / 32 blocks. */
export function dequantizeQ8_0(bytes: Uint8Array, out: Float32Array): void {
  const nBlocks = out.length / Q8_0_BLOCK;
  const scale = new Float32Array(1);
  for (let b = 0; b < nBlocks; b++) {
    const o = b * Q8_0_BYTES;
    decodeF16(bytes.subarray(o, o + 2), scale);
    const d = scale[0]!;
    for (let j = 0; j < Q8_0_BLOCK; j++) {
      const q = (bytes[o + 2 + j]! << 24) >> 24; // sign-extend the int8
      out[b * Q8_0_BLOCK + j] = q * d;
    }
  }
}

/** The f16-rounded scale a block of values gets (what dequantisation multiplies by). */
export function q8_0Scale(block: ArrayLike<number>): number {
  let amax = 0;
  for (let j = 0; j < block.length; j++) amax = Math.max(amax, Math.abs(block[j]!));
  return f16BitsToF32(f32ToF16Bits(fround(amax / 127)));
}
