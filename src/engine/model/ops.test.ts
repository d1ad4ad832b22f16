// The hand-written gradients (linear, embedding, cross-entropy, SwiGLU, RoPE, attention) against
// tfjs autodiff of the same function written with stock ops, on small random inputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend.ts";
import { attention } from "./attention.ts";
import { crossEntropy, embedding, linear, swiglu } from "./ops.ts";
import { Prng } from "./prng.ts";
import { applyRope, ropeTable } from "./rope.ts";

await initBackend();

function rand(shape: number[], seed: number): tf.Tensor {
  const rng = new Prng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.nextNormal()), shape);
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/** Compares values and the gradients of sum(f(xs)·r) for a fixed random r. */
function checkGrads(mine: (...xs: tf.Tensor[]) => tf.Tensor, ref: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], tol = 1e-4): void {
  tf.tidy(() => {
    const a = mine(...xs);
    const b = ref(...xs);
    assert.ok(maxDiff(a, b) < tol, `values differ by ${maxDiff(a, b)}`);
    const r = rand(a.shape, 99);
    const ga = tf.grads((...ins: tf.Tensor[]) => tf.sum(tf.mul(mine(...ins), r)))(xs);
    const gb = tf.grads((...ins: tf.Tensor[]) => tf.sum(tf.mul(ref(...ins), r)))(xs);
    ga.forEach((g, i) => assert.ok(maxDiff(g, gb[i]!) < tol, `gradient ${i} differs by ${maxDiff(g, gb[i]!)}`));
  });
}

test("linear = x·Wᵀ with gradients, for narrow and wide outputs", () => {
  // Many rows take x·transpose(W); few rows take transpose(W·xᵀ).
  for (const [n, inp, out] of [[7, 6, 4], [5, 4, 9], [1, 6, 4], [2, 16, 16]] as const) {
    checkGrads((x, w) => linear(x as tf.Tensor2D, w as tf.Tensor2D), (x, w) => tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D, false, true), [rand([n, inp], 1), rand([out, inp], 2)]);
  }
});

test("swiglu = silu(g)·u with gradients", () => {
  checkGrads((g, u) => swiglu(g as tf.Tensor2D, u as tf.Tensor2D), (g, u) => tf.mul(tf.mul(g, tf.sigmoid(g)), u), [rand([5, 8], 3), rand([5, 8], 4)]);
});

test("cross-entropy matches log-softmax and its gradient", () => {
  const targets = Int32Array.from([3, 0, 9, 3, 5]);
  const ref = (x: tf.Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(x), tf.cast(tf.oneHot(tf.tensor1d(targets, "int32"), 10), "float32")), 1)));
  checkGrads((x) => crossEntropy(x as tf.Tensor2D, targets), ref, [tf.mul(rand([5, 10], 5), 4)]);
  // Large logit gaps must not overflow or underflow.
  const big = tf.tensor2d([[1000, 0, -1000]]);
  assert.ok(Math.abs(crossEntropy(big, Int32Array.from([2])).dataSync()[0]! - 2000) < 1e-2);
  big.dispose();
});

test("embedding gathers rows and scatter-adds repeated ids in its gradient", () => {
  const ids = Int32Array.from([2, 0, 2, 5, 2]);
  const ref = (w: tf.Tensor) => tf.matMul(tf.cast(tf.oneHot(tf.tensor1d(ids, "int32"), 6), "float32"), w as tf.Tensor2D);
  checkGrads((w) => embedding(w as tf.Tensor2D, ids), ref, [rand([6, 4], 6)]);
});

test("rope gradient is the inverse rotation", () => {
  const table = ropeTable(8, 10000, 16);
  const ref = (x: tf.Tensor) => {
    // Stock-op rope: gather-free, from even/odd halves of each pair.
    const [B, T, H, hd] = x.shape as [number, number, number, number];
    const pairs = tf.reshape(x, [B, T, H, hd / 2, 2]);
    const [x0, x1] = tf.split(pairs, 2, 4);
    const c = tf.tensor(table.cos.filter((_, i) => i % 2 === 0).slice(3 * (hd / 2), (3 + T) * (hd / 2)), [1, T, 1, hd / 2, 1]);
    const s = tf.tensor(table.sin.filter((_, i) => i % 2 === 0).slice(3 * (hd / 2), (3 + T) * (hd / 2)), [1, T, 1, hd / 2, 1]);
    return tf.reshape(tf.concat([tf.sub(tf.mul(x0!, c), tf.mul(x1!, s)), tf.add(tf.mul(x0!, s), tf.mul(x1!, c))], 4), [B, T, H, hd]);
  };
  checkGrads((x) => applyRope(x as tf.Tensor4D, table, 3), ref, [rand([2, 5, 3, 8], 7)]);
});

/** Stock-op causal GQA attention: kv heads repeated, batched matmuls. */
function refAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): tf.Tensor {
  const [B, tq, H, hd] = q.shape as [number, number, number, number];
  const [, tk, kvh] = k.shape as [number, number, number];
  const g = H / kvh;
  // [B, tk, kvh, hd] -> [B, H, tk, hd] with head h reading kv head floor(h / g).
  const rep = (t: tf.Tensor) => tf.reshape(tf.tile(tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [B * kvh, 1, tk * hd]), [1, g, 1]), [B, H, tk, hd]);
  const qh = tf.transpose(q, [0, 2, 1, 3]);
  const s = tf.matMul(qh, rep(k), false, true);
  const mask = new Float32Array(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = 0; j < tk; j++) if (j > tk - tq + i) mask[i * tk + j] = -1e9;
  const p = tf.softmax(tf.add(s, tf.tensor2d(mask, [tq, tk])));
  return tf.transpose(tf.matMul(p, rep(v)), [0, 2, 1, 3]);
}

test("attention matches the stock-op reference (MHA, GQA, queries after a cached prefix)", () => {
  for (const [B, tq, tk, H, kvh] of [[2, 5, 5, 2, 2], [2, 6, 6, 4, 2], [1, 3, 7, 6, 2], [1, 1, 4, 4, 1]] as const) {
    const xs = [rand([B, tq, H, 4], 8), rand([B, tk, kvh, 4], 9), rand([B, tk, kvh, 4], 10)];
    checkGrads((q, k, v) => attention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D), refAttention, xs);
    tf.dispose(xs);
  }
});
