// RoPE in llama.cpp's normal mode: hand-computed values, the float32 angle recurrence, and the
// tensor path against the plain-JS reference.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend.ts";
import { applyRope, ropeTable, ropeVector } from "./rope.ts";

await initBackend();

function close(actual: ArrayLike<number>, expected: number[], tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

test("rotates adjacent pairs by pos·base^(-2i/d): hand-computed values", () => {
  // headDim 4, base 10000: theta_0 = pos, theta_1 = pos·0.01.
  // pos 1: [1·cos1 − 2·sin1, 1·sin1 + 2·cos1, 3·cos.01 − 4·sin.01, 3·sin.01 + 4·cos.01]
  const table = ropeTable(4, 10000, 8);
  close(ropeVector([1, 2, 3, 4], 1, table), [-1.1426397, 1.9220756, 2.9598507, 4.0297995], 1e-6);
  close(ropeVector([1, 2, 3, 4], 5, table), [2.2015107, -0.3915999, 2.7963341, 4.1449385], 1e-6);
  close(ropeVector([1, 2, 3, 4], 0, table), [1, 2, 3, 4], 0);
});

test("angles follow ggml's float32 recurrence theta ← theta·powf(base, −2/d)", () => {
  const hd = 64;
  const table = ropeTable(hd, 10000, 300);
  const scale = Math.fround(Math.pow(10000, Math.fround(-2 / hd)));
  const pos = 257;
  let theta = Math.fround(pos);
  for (let i = 0; i < hd; i += 2) {
    assert.equal(table.cos[pos * hd + i], Math.fround(Math.cos(theta)));
    assert.equal(table.sin[pos * hd + i + 1], Math.fround(Math.sin(theta)));
    theta = Math.fround(theta * scale);
  }
  // The recurrence stays within float rounding of the closed form.
  const last = pos * Math.pow(10000, -(hd - 2) / hd);
  assert.ok(Math.abs(Math.fround(theta / scale) - last) / last < 1e-5);
});

test("tensor rope equals the reference on every head and position, starting mid-sequence", () => {
  const hd = 8;
  const table = ropeTable(hd, 500, 32);
  const [B, T, H] = [2, 5, 3];
  const data = Float32Array.from({ length: B * T * H * hd }, (_, i) => Math.sin(i * 1.7) * 3);
  const out = tf.tidy(() => applyRope(tf.tensor4d(data, [B, T, H, hd]), table, 7).dataSync());
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < H; h++) {
        const o = ((b * T + t) * H + h) * hd;
        close(out.subarray(o, o + hd), [...ropeVector(data.subarray(o, o + hd), 7 + t, table)], 1e-5);
      }
    }
  }
});

test("dot products depend only on the relative position", () => {
  const table = ropeTable(16, 10000, 64);
  const q = Array.from({ length: 16 }, (_, i) => Math.cos(i));
  const k = Array.from({ length: 16 }, (_, i) => Math.sin(i + 2));
  const dot = (m: number, n: number) => {
    const a = ropeVector(q, m, table);
    const b = ropeVector(k, n, table);
    return a.reduce((s, v, i) => s + v * b[i]!, 0);
  };
  assert.ok(Math.abs(dot(10, 3) - dot(40, 33)) < 1e-4);
  assert.ok(Math.abs(dot(10, 3) - dot(10, 4)) > 1e-3);
});
