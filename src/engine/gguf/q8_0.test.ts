// Q8_0: block byte layout, rounding as C roundf, and the round-trip error bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import { f16BitsToF32, f32ToF16Bits } from "./f16.ts";
import { dequantizeQ8_0, Q8_0_BYTES, q8_0Scale, quantizeQ8_0 } from "./q8_0.ts";

function rng(seed: number): () => number {
  return () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test("q8_0 block layout: f16 scale then 32 int8, roundf halves away from zero", () => {
  const x = new Float32Array(32);
  for (let j = 0; j < 32; j++) x[j] = (j - 16) * 0.5;
  x[0] = -63.5; // max |x| = 127 * 0.5, so d = 0.5 exactly
  x[1] = -1.25; // -2.5 -> -3 (C roundf), not -2
  x[2] = 1.25; //  2.5 ->  3
  const out = new Uint8Array(Q8_0_BYTES);
  quantizeQ8_0(x, 0, 1, out, 0);
  const expected = [0x00, 0x38, 0x81, 0xfd, 0x03];
  for (let j = 3; j < 32; j++) expected.push((j - 16) & 0xff);
  assert.deepEqual([...out], expected);
  const back = new Float32Array(32);
  dequantizeQ8_0(out, back);
  assert.equal(back[0], -63.5);
  assert.equal(back[1], -1.5);
  assert.equal(back[31], 7.5);
});

test("q8_0 of an all-zero block is a zero scale and zero quants", () => {
  const out = new Uint8Array(Q8_0_BYTES).fill(0xaa);
  quantizeQ8_0(new Float32Array(32), 0, 1, out, 0);
  assert.deepEqual([...out], new Array(34).fill(0));
});

test("q8_0 round trip: error <= d/2 when the scale is exact in f16, and within the f16 scale rounding otherwise", () => {
  const r = rng(7);
  const n = 32 * 400;
  // Exact-scale blocks: one element is ±127·2^k, so d = 2^k is exact in f16 and q·d differs from x by at most d/2.
  const exact = new Float32Array(n);
  for (let b = 0; b < n / 32; b++) {
    const d = 2 ** Math.floor(r() * 12 - 8);
    for (let j = 0; j < 32; j++) exact[b * 32 + j] = Math.fround((r() * 2 - 1) * 127 * d);
    exact[b * 32 + Math.floor(r() * 32)] = (r() < 0.5 ? -127 : 127) * d;
  }
  const general = new Float32Array(n);
  for (let i = 0; i < n; i++) general[i] = Math.fround((r() * 2 - 1) * 10 ** (r() * 4 - 3));

  for (const [x, strict] of [[exact, true], [general, false]] as const) {
    const bytes = new Uint8Array((n / 32) * Q8_0_BYTES);
    quantizeQ8_0(x, 0, n / 32, bytes, 0);
    const back = new Float32Array(n);
    dequantizeQ8_0(bytes, back);
    for (let b = 0; b < n / 32; b++) {
      const block = x.subarray(b * 32, b * 32 + 32);
      const d16 = q8_0Scale(block);
      const d32 = Math.fround(Math.max(...Array.from(block, Math.abs)) / 127);
      // The quants are chosen with the float32 d; the file keeps d rounded to f16, which moves q·d by up to 127·|d32 - d16|.
      const bound = strict ? d16 / 2 : d32 / 2 + 127 * Math.abs(d32 - d16);
      for (let j = 0; j < 32; j++) {
        const err = Math.abs(block[j]! - back[b * 32 + j]!);
        assert.ok(err <= bound * (1 + 1e-6), `block ${b} item ${j}: error ${err} > ${bound}`);
      }
    }
  }
});

test("q8_0 quantizes with the float32 scale exactly as ggml's reference (f16 stores the scale)", () => {
  const x = new Float32Array(32);
  for (let j = 0; j < 32; j++) x[j] = Math.fround(0.001 * (j + 1) * (j % 2 ? -1 : 1));
  const out = new Uint8Array(Q8_0_BYTES);
  quantizeQ8_0(x, 0, 1, out, 0);
  const d = Math.fround(Math.fround(0.032) / 127);
  assert.equal(out[0]! | (out[1]! << 8), f32ToF16Bits(d));
  const id = Math.fround(1 / d);
  for (let j = 0; j < 32; j++) {
    const v = Math.fround(x[j]! * id);
    const q = v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
    assert.equal((out[2 + j]! << 24) >> 24, q);
  }
  assert.ok(Math.abs(f16BitsToF32(out[0]! | (out[1]! << 8)) - d) < d * 2 ** -10);
});

test("quantizeQ8_0 writes several blocks at an offset", () => {
  const x = new Float32Array(96).map((_, i) => i - 48);
  const out = new Uint8Array(4 + 2 * Q8_0_BYTES);
  quantizeQ8_0(x, 32, 2, out, 4);
  const back = new Float32Array(64);
  dequantizeQ8_0(out.subarray(4), back);
  for (let i = 0; i < 64; i++) assert.ok(Math.abs(back[i]! - x[32 + i]!) <= 0.25, `${back[i]} vs ${x[32 + i]}`);
  assert.deepEqual([...out.subarray(0, 4)], [0, 0, 0, 0]); // nothing written before the offset
});
