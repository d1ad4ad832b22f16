// Per-example clipping: the efficient path (ghost/direct norms from taps, one backward) equals the
// naive loop of B backward passes, for tied and untied heads, with some examples clipped and some not.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend, LlamaModel, type LlamaConfig } from "../src/engine/model/index.ts";
import { clippedGradientSum, hidden, LoraAdapters, naiveClippedGradientSum, type NormMode } from "../src/learning/dp/index.ts";

const SMALL: Omit<LlamaConfig, "tieEmbeddings"> = {
  vocabSize: 48, dim: 32, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 64, contextLength: 16, normEps: 1e-5, ropeTheta: 10000,
};

function tokens(B: number, cols: number, vocab: number, seed: number): Int32Array {
  const out = new Int32Array(B * cols);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Few distinct ids per row, so repeated ids exercise the embedding's row sums.
    out[i] = (s >>> 8) % (i % 3 === 0 ? 6 : vocab);
  }
  return out;
}

/** Max over tensors of max|a − b| / max|b|. */
function maxRelDiff(a: Map<string, tf.Tensor>, b: Map<string, tf.Tensor>): number {
  let worst = 0;
  for (const [name, ref] of b) {
    const got = a.get(name);
    assert.ok(got, `efficient path lacks ${name}`);
    assert.deepEqual(got.shape, ref.shape, name);
    const r = ref.dataSync();
    const g = got.dataSync();
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < r.length; i++) {
      scale = Math.max(scale, Math.abs(r[i]!));
      diff = Math.max(diff, Math.abs(r[i]! - g[i]!));
    }
    worst = Math.max(worst, diff / scale);
  }
  return worst;
}

/** Midway between the two middle norms: half the rows clip, none sits at the boundary. */
function middle(xs: Float64Array): number {
  const s = [...xs].sort((x, y) => x - y);
  const h = Math.floor(s.length / 2);
  return (s[h - 1]! + s[h]!) / 2;
}

for (const tieEmbeddings of [true, false]) {
  test(`clipped gradient sum equals the per-example loop (tieEmbeddings=${tieEmbeddings})`, async () => {
    await initBackend();
    const model = LlamaModel.create({ ...SMALL, tieEmbeddings }, { seed: 7 });
    try {
      const B = 6;
      const cols = 13;
      const batch = tokens(B, cols, SMALL.vocabSize, tieEmbeddings ? 1 : 2);
      // Probe the unclipped norms, then clip at their median so some rows clip and some do not.
      const probe = naiveClippedGradientSum(model, batch, B, Infinity);
      tf.dispose([...probe.grads.values()]);
      const clip = middle(probe.norms);
      const naive = naiveClippedGradientSum(model, batch, B, clip);
      assert.ok(naive.clipped > 0 && naive.clipped < B, `clipped ${naive.clipped} of ${B}`);
      // ghost: Gram identity + weighted weight-gradient; direct: per-example gradients kept and
      // summed with weights; direct-0: direct norms with nothing kept; auto: the default choice.
      const modes: [string, NormMode, number | undefined][] = [["ghost", "ghost", undefined], ["direct", "direct", undefined], ["direct-0", "direct", 0], ["auto", "auto", undefined]];
      for (const [mode, normMode, keepBytes] of modes) {
        const fast = clippedGradientSum(model, batch, B, clip, normMode, keepBytes);
        for (let i = 0; i < B; i++) {
          assert.ok(Math.abs(fast.norms[i]! - naive.norms[i]!) <= 1e-4 * naive.norms[i]!, `${mode}: norm of example ${i}: ${fast.norms[i]} vs ${naive.norms[i]}`);
        }
        assert.equal(fast.clipped, naive.clipped);
        assert.ok(Math.abs(fast.lossSum - naive.lossSum) < 1e-4 * naive.lossSum);
        const rel = maxRelDiff(fast.grads, naive.grads);
        assert.ok(rel <= 1e-4, `${mode}: max relative difference ${rel}`);
        tf.dispose([...fast.grads.values()]);
      }
      tf.dispose([...naive.grads.values()]);
    } finally {
      model.dispose();
    }
  });
}

test("LoRA: the adapters' clipped gradient sum equals the per-example loop", async () => {
  await initBackend();
  const model = LlamaModel.create({ ...SMALL, tieEmbeddings: true }, { seed: 9 });
  const adapters = new LoraAdapters(model, { rank: 4, alpha: 8, seed: 2 });
  try {
    // B starts at 0 (A's gradient would vanish); give it values so both factors are exercised.
    for (const [name, v] of adapters.params) if (name.endsWith(".lora_b")) v.assign(tf.randomNormal(v.shape, 0, 0.05, "float32", 5));
    const B = 5;
    const batch = tokens(B, 11, SMALL.vocabSize, 3);
    const probe = naiveClippedGradientSum(model, batch, B, Infinity, adapters);
    tf.dispose([...probe.grads.values()]);
    const clip = middle(probe.norms);
    const naive = naiveClippedGradientSum(model, batch, B, clip, adapters);
    assert.ok(naive.clipped > 0 && naive.clipped < B);
    for (const keep of [undefined, 0]) {
      const fast = clippedGradientSum(model, batch, B, clip, "auto", keep, adapters);
      assert.deepEqual([...fast.grads.keys()].sort(), [...adapters.params.keys()].sort());
      const rel = maxRelDiff(fast.grads, naive.grads);
      assert.ok(rel <= 1e-4, `keep=${keep}: max relative difference ${rel}`);
      tf.dispose([...fast.grads.values()]);
    }
    tf.dispose([...naive.grads.values()]);
    // Merged export: W + (α/r)·B·A gives the same logits as the adapted forward.
    const merged = LlamaModel.fromWeights(model.config, adapters.merged(model));
    const ids = Array.from(batch.subarray(0, 10));
    const adapted = tf.tidy(() => tf.matMul(hidden(model, adapters.plainHooks(model), tf.tensor2d(model.weights().get("token_embd.weight")!, [SMALL.vocabSize, SMALL.dim]).gather(tf.tensor1d(ids, "int32")) as tf.Tensor2D, 1, 10), model.params.get("token_embd.weight")!, false, true));
    const a = adapted.dataSync();
    const m = merged.logits(ids).flatMap((r) => Array.from(r));
    adapted.dispose();
    merged.dispose();
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - m[i]!));
    assert.ok(worst < 1e-4, `merged vs adapted logits differ by ${worst}`);
  } finally {
    adapters.dispose();
    model.dispose();
  }
});
