// Binary16 conversion: known bit patterns, ties to even, subnormals, infinities and NaN.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeF16, encodeF16, f16BitsToF32, f32ToF16Bits } from "./f16.ts";

const hex = (n: number) => `0x${n.toString(16).padStart(4, "0")}`;

test("f32 -> f16 known bit patterns", () => {
  const cases: Array<[number, number]> = [
    [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff],
    [0.1, 0x2e66], [1 / 3, 0x3555],
    [2 ** -24, 0x0001], // smallest subnormal
    [1023 * 2 ** -24, 0x03ff], // largest subnormal
    [2 ** -14, 0x0400], // smallest normal
    [Infinity, 0x7c00], [-Infinity, 0xfc00],
    [1e6, 0x7c00], [-1e6, 0xfc00], // overflow
    [2 ** -26, 0x0000], [-(2 ** -26), 0x8000], // underflow keeps the sign
  ];
  for (const [x, bits] of cases) assert.equal(hex(f32ToF16Bits(x)), hex(bits), `f32ToF16Bits(${x})`);
});

test("f32 -> f16 rounds ties to even, in normals, subnormals and at the overflow edge", () => {
  assert.equal(hex(f32ToF16Bits(1 + 2 ** -11)), "0x3c00"); // halfway 0x3c00/0x3c01 -> even
  assert.equal(hex(f32ToF16Bits(1 + 3 * 2 ** -11)), "0x3c02"); // halfway 0x3c01/0x3c02 -> even
  assert.equal(hex(f32ToF16Bits(Math.fround(1 + 2 ** -11 + 2 ** -20))), "0x3c01"); // just above halfway
  assert.equal(hex(f32ToF16Bits(2 ** -25)), "0x0000"); // half the smallest subnormal -> 0 (even)
  assert.equal(hex(f32ToF16Bits(Math.fround(2 ** -25 * (1 + 2 ** -20)))), "0x0001");
  assert.equal(hex(f32ToF16Bits(3 * 2 ** -25)), "0x0002"); // 1.5 units -> 2
  assert.equal(hex(f32ToF16Bits(5 * 2 ** -25)), "0x0002"); // 2.5 units -> 2
  assert.equal(hex(f32ToF16Bits(2047 * 2 ** -25)), "0x0400"); // rounds up out of the subnormals
  assert.equal(hex(f32ToF16Bits(65519)), "0x7bff");
  assert.equal(hex(f32ToF16Bits(65520)), "0x7c00"); // halfway to 2^16 rounds to even = infinity
});

test("NaN stays NaN both ways", () => {
  for (const bits of [0x7fc00000, 0x7f800001, 0xffc00000, 0x7fa00000]) {
    const x = new Float32Array(new Uint32Array([bits]).buffer)[0]!;
    const h = f32ToF16Bits(x);
    assert.equal(h & 0x7c00, 0x7c00);
    assert.notEqual(h & 0x3ff, 0, `NaN 0x${bits.toString(16)} became ${hex(h)}`);
  }
  assert.ok(Number.isNaN(f16BitsToF32(0x7e00)));
  assert.ok(Number.isNaN(f16BitsToF32(0xfc01)));
});

test("f16 -> f32 known values and all 63,488 non-NaN patterns round-trip", () => {
  assert.equal(f16BitsToF32(0x3c00), 1);
  assert.equal(f16BitsToF32(0x7bff), 65504);
  assert.equal(f16BitsToF32(0x0001), 2 ** -24);
  assert.equal(f16BitsToF32(0x3555), 0.333251953125);
  assert.equal(f16BitsToF32(0xfc00), -Infinity);
  assert.ok(Object.is(f16BitsToF32(0x8000), -0));
  let checked = 0;
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue;
    assert.equal(f32ToF16Bits(f16BitsToF32(h)), h);
    checked++;
  }
  assert.equal(checked, 65536 - 2 * 1023);
});

test("f32 -> f16 is the nearest value (ties to even) for random float32s", () => {
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < 50_000; i++) {
    const x = Math.fround((rand() - 0.5) * 2 ** (rand() * 44 - 28)); // spans subnormals to 2^15
    const h = f32ToF16Bits(x);
    const err = Math.abs(f16BitsToF32(h) - x);
    for (const other of [h - 1, h + 1]) {
      if ((other & 0x7fff) > 0x7c00 || other < 0 || ((other ^ h) & 0x8000) !== 0) continue;
      const e2 = Math.abs(f16BitsToF32(other) - x);
      assert.ok(err < e2 || (err === e2 && (h & 1) === 0), `${x} -> ${hex(h)} but ${hex(other)} is nearer or an even tie`);
    }
  }
});

test("encodeF16 / decodeF16 use little-endian byte order", () => {
  const out = new Uint8Array(6);
  encodeF16(new Float32Array([9, 1, -2, 65504]), 1, 3, out, 0);
  assert.deepEqual([...out], [0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b]);
  const back = new Float32Array(3);
  decodeF16(out, back);
  assert.deepEqual([...back], [1, -2, 65504]);
});
