// Token sampling: greedy, top-k / top-p truncation, temperature, seeded repeatability, bad options.
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../errors/index.ts";
import { Prng } from "./prng.ts";
import { argmax, sampleToken, validateSampling } from "./sampling.ts";

const logits = Float32Array.from([1, 3, 2.5, -1, 3, 0]);

test("temperature 0 is argmax, lowest index on ties", () => {
  assert.equal(argmax(logits), 1);
  assert.equal(sampleToken(logits, {}, new Prng(1)), 1);
});

test("top-k 1 and a tiny top-p keep only the best token", () => {
  for (let s = 0; s < 20; s++) {
    assert.equal(sampleToken(logits, { temperature: 1, topK: 1 }, new Prng(s)), 1);
    assert.equal(sampleToken(logits, { temperature: 1, topP: 1e-6 }, new Prng(s)), 1);
  }
});

test("top-k 3 only draws from the three largest; frequencies follow the softmax", () => {
  const rng = new Prng(7);
  const counts = new Map<number, number>();
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const id = sampleToken(logits, { temperature: 1, topK: 3 }, rng);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), [1, 2, 4]);
  const z = 2 * Math.exp(3) + Math.exp(2.5);
  assert.ok(Math.abs(counts.get(2)! / n - Math.exp(2.5) / z) < 0.015);
  assert.ok(Math.abs(counts.get(1)! / n - Math.exp(3) / z) < 0.015);
});

test("the same seed draws the same tokens", () => {
  const draw = (seed: number) => {
    const rng = new Prng(seed);
    return Array.from({ length: 30 }, () => sampleToken(logits, { temperature: 1.3, topP: 0.95 }, rng));
  };
  assert.deepEqual(draw(3), draw(3));
  assert.notDeepEqual(draw(3), draw(4));
});

test("bad options are rejected by name", () => {
  assert.throws(() => validateSampling({ temperature: -0.1 }), (e: unknown) => e instanceof InvalidArgumentError && e.field === "generate.temperature");
  assert.throws(() => validateSampling({ topK: 1.5 }), InvalidArgumentError);
  assert.throws(() => validateSampling({ topP: 0 }), InvalidArgumentError);
  assert.throws(() => validateSampling({ topP: 1.5 }), InvalidArgumentError);
  validateSampling({ temperature: 0.7, topK: 40, topP: 0.9 });
});
