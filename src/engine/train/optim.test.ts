// AdamW against hand-computed updates, the learning-rate schedule, and global-norm clipping.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { AdamW } from "./optimizer.ts";
import { clipByGlobalNorm, globalNorm } from "./gradients.ts";
import { learningRate } from "./schedule.ts";

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

test("AdamW: two steps match hand-computed values, decay only on matrices", () => {
  // Worked by hand (β1 0.9, β2 0.95, ε 1e-8, lr 0.1, λ 0.1), gradients g1 = [0.5, −1], g2 = [0.1, 0.3]:
  // step 1: m̂ = g1, v̂ = g1², so the Adam direction is sign(g1); the matrix also decays by lr·λ·p.
  const start = tf.memory().numTensors;
  const matrix = tf.tidy(() => tf.variable(tf.tensor2d([[1, -2]]), true, "adamw-test-matrix"));
  const vector = tf.tidy(() => tf.variable(tf.tensor1d([1, -2]), true, "adamw-test-vector"));
  const opt = new AdamW(new Map<string, tf.Variable>([["w", matrix], ["g", vector]]), { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 });
  const before = tf.memory().numTensors;
  const step = (g: number[]): void => {
    const grads = new Map<string, tf.Tensor>([["w", tf.tensor2d([g])], ["g", tf.tensor1d(g)]]);
    opt.apply(grads, 0.1);
    tf.dispose([...grads.values()]);
  };
  step([0.5, -1]);
  close(matrix.dataSync(), [0.89, -1.88]);
  close(vector.dataSync(), [0.9, -1.9]);
  close(opt.m.get("w")!.dataSync(), [0.05, -0.1]);
  close(opt.v.get("w")!.dataSync(), [0.0125, 0.05]);
  step([0.1, 0.3]);
  // m = [0.055, −0.06], v = [0.012375, 0.052], bias corrections 0.19 and 0.0975.
  close(matrix.dataSync(), [0.7998471188, -1.8179587470]);
  close(vector.dataSync(), [0.8187471188, -1.8567587471]);
  assert.equal(opt.steps, 2);
  assert.equal(tf.memory().numTensors, before, "no tensors leak from apply()");

  // Saved state restores exactly, and the next update then matches the uninterrupted optimizer.
  const arrays = opt.stateArrays();
  const matrix2 = tf.tidy(() => tf.variable(matrix.clone(), true, "adamw-test-matrix2"));
  const vector2 = tf.tidy(() => tf.variable(vector.clone(), true, "adamw-test-vector2"));
  const opt2 = new AdamW(new Map<string, tf.Variable>([["w", matrix2], ["g", vector2]]), opt.options);
  opt2.loadState(new Map([...arrays].map(([k, t]) => [k, t.data])), opt.steps);
  step([-0.2, 0.05]);
  const grads = new Map<string, tf.Tensor>([["w", tf.tensor2d([[-0.2, 0.05]])], ["g", tf.tensor1d([-0.2, 0.05])]]);
  opt2.apply(grads, 0.1);
  tf.dispose([...grads.values()]);
  assert.deepEqual(Array.from(matrix2.dataSync()), Array.from(matrix.dataSync()));
  assert.deepEqual(Array.from(vector2.dataSync()), Array.from(vector.dataSync()));
  opt.dispose();
  opt2.dispose();
  tf.dispose([matrix, vector, matrix2, vector2]);
  assert.equal(tf.memory().numTensors, start, "the optimizer frees everything it made");
});

test("schedule: linear warm-up, cosine decay to the minimum", () => {
  const s = { lr: 1e-3, minLr: 1e-4, warmupSteps: 10, maxSteps: 111 };
  close([learningRate(0, s), learningRate(4, s), learningRate(9, s)], [1e-4, 5e-4, 1e-3], 1e-12);
  assert.equal(learningRate(10, s), 1e-3);
  close([learningRate(60, s)], [5.5e-4], 1e-12); // halfway through the decay: (lr + minLr) / 2
  close([learningRate(110, s)], [1e-4], 1e-12);
  for (let i = 11; i < 111; i++) assert.ok(learningRate(i, s) < learningRate(i - 1, s));
  assert.equal(learningRate(0, { ...s, warmupSteps: 0 }), 1e-3);
  assert.equal(learningRate(3, { lr: 1e-3, minLr: 0, warmupSteps: 0, maxSteps: 1 }), 1e-3);
});

test("clipping scales all gradients by one factor down to the limit, and leaves small ones alone", () => {
  const grads = new Map<string, tf.Tensor>([["a", tf.tensor1d([3, 0])], ["b", tf.tensor2d([[0], [4]])]]);
  assert.equal(globalNorm(grads), 5);
  const norm = clipByGlobalNorm(grads, 1);
  assert.equal(norm, 5);
  close(grads.get("a")!.dataSync(), [0.6, 0], 1e-6);
  close(grads.get("b")!.dataSync(), [0, 0.8], 1e-6);
  close([globalNorm(grads)], [1], 1e-5);
  const before = Array.from(grads.get("a")!.dataSync());
  clipByGlobalNorm(grads, 10);
  assert.deepEqual(Array.from(grads.get("a")!.dataSync()), before);
  clipByGlobalNorm(grads, 0); // 0 turns clipping off
  assert.deepEqual(Array.from(grads.get("a")!.dataSync()), before);
  tf.dispose([...grads.values()]);
});
