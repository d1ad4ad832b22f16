// LlamaModel: parameters, seeded init, loss, causality, KV-cache equivalence, GQA and head tying,
// gradients, a short overfit, generation, input errors and tensor lifetimes.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError, LimitExceededError } from "../../errors/index.ts";
import { initBackend } from "./backend.ts";
import { parameterCount, resolvePreset, tensorShapes, type LlamaConfig } from "./config.ts";
import { evaluateLoss, flopsPerToken } from "./evaluate.ts";
import { measureTrainThroughput } from "./throughput.ts";
import { LlamaModel } from "./llama.ts";
import { Prng } from "./prng.ts";

await initBackend();

const tiny: LlamaConfig = { ...resolvePreset("tiny"), vocabSize: 512 };
/** Small enough for finite differences and exhaustive cache checks. */
const micro: LlamaConfig = {
  vocabSize: 40, dim: 16, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 32,
  contextLength: 24, normEps: 1e-5, ropeTheta: 10000, tieEmbeddings: true,
};

function tokens(n: number, seed: number, vocab: number): number[] {
  const rng = new Prng(seed);
  return Array.from({ length: n }, () => rng.nextUint32() % vocab);
}

/** Weights with a larger spread than the init, so differences and gradients are well above float noise. */
function randomWeights(cfg: LlamaConfig, seed: number, std = 0.3): Map<string, Float32Array> {
  const rng = new Prng(seed);
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of tensorShapes(cfg)) {
    const n = shape.reduce((a, b) => a * b, 1);
    out.set(name, Float32Array.from({ length: n }, () => (shape.length === 1 ? 1 + 0.1 * rng.nextNormal() : std * rng.nextNormal())));
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function lossOf(model: LlamaModel, rows: number[][]): number {
  return tf.tidy(() => model.loss(tf.tensor2d(rows, undefined, "int32")).dataSync()[0]!);
}

test("parameters have the GGUF names, shapes and count of the config", () => {
  const m = LlamaModel.create(tiny, { seed: 1 });
  try {
    const shapes = tensorShapes(tiny);
    assert.deepEqual([...m.params.keys()], [...shapes.keys()]);
    for (const [name, v] of m.params) assert.deepEqual(v.shape, shapes.get(name));
    const total = [...m.params.values()].reduce((s, v) => s + v.size, 0);
    assert.equal(total, parameterCount(tiny));
    assert.ok(!m.params.has("output.weight"));
    const norm = m.weights().get("blk.0.attn_norm.weight")!;
    assert.ok(norm.every((x) => x === 1));
  } finally {
    m.dispose();
  }
});

test("create is reproducible bit for bit from the seed", () => {
  const a = LlamaModel.create(tiny, { seed: 7 });
  const b = LlamaModel.create(tiny, { seed: 7 });
  const c = LlamaModel.create(tiny, { seed: 8 });
  try {
    const wa = a.weights();
    const wb = b.weights();
    const wc = c.weights();
    for (const [name, x] of wa) assert.deepEqual(x, wb.get(name), name);
    assert.notDeepEqual(wa.get("blk.0.attn_q.weight"), wc.get("blk.0.attn_q.weight"));
    const q = wa.get("blk.1.ffn_up.weight")!;
    const std = Math.sqrt(q.reduce((s, x) => s + x * x, 0) / q.length);
    assert.ok(Math.abs(std - 0.02) < 0.002, `init std ${std}`);
  } finally {
    [a, b, c].forEach((m) => m.dispose());
  }
});

test("loss at init is close to ln(vocab)", () => {
  const m = LlamaModel.create(tiny, { seed: 3 });
  try {
    const rows = [0, 1, 2, 3].map((s) => tokens(65, s, tiny.vocabSize));
    const loss = lossOf(m, rows);
    assert.ok(Math.abs(loss - Math.log(tiny.vocabSize)) < 0.15, `loss ${loss} vs ln V ${Math.log(tiny.vocabSize)}`);
  } finally {
    m.dispose();
  }
});

test("causal: changing a later token leaves earlier logits unchanged", () => {
  const m = LlamaModel.fromWeights(micro, randomWeights(micro, 1));
  try {
    const seq = tokens(12, 5, micro.vocabSize);
    const changed = [...seq];
    changed[8] = (changed[8]! + 1) % micro.vocabSize;
    const a = m.logits(seq);
    const b = m.logits(changed);
    for (let t = 0; t < 8; t++) assert.ok(maxAbsDiff(a[t]!, b[t]!) <= 1e-6, `position ${t}`);
    assert.ok(maxAbsDiff(a[8]!, b[8]!) > 1e-3);
  } finally {
    m.dispose();
  }
});

test("forwardCached equals the full forward at every position, token by token and in chunks", () => {
  for (const cfg of [micro, tiny]) {
    const m = LlamaModel.fromWeights(cfg, randomWeights(cfg, 2, cfg === tiny ? 0.08 : 0.3));
    try {
      const seq = tokens(cfg.contextLength, 9, cfg.vocabSize);
      const full = m.logits(seq);
      const one = m.createCache();
      seq.forEach((id, t) => assert.ok(maxAbsDiff(m.forwardCached(one, [id]), full[t]!) <= 1e-4, `position ${t}`));
      one.dispose();
      const chunked = m.createCache();
      let pos = 0;
      for (const n of [5, 1, 3, 7]) {
        const last = m.forwardCached(chunked, seq.slice(pos, pos + n));
        pos += n;
        assert.ok(maxAbsDiff(last, full[pos - 1]!) <= 1e-4, `chunk ending at ${pos}`);
      }
      assert.equal(chunked.position, pos);
      chunked.dispose();
    } finally {
      m.dispose();
    }
  }
});

test("grouped-query attention: query head h reads kv head floor(h / (nHeads/nKvHeads))", () => {
  // An MHA model whose K/V heads duplicate the GQA model's per group must give the same logits.
  const gqa = { ...micro, nHeads: 4, nKvHeads: 2 };
  const mha = { ...micro, nHeads: 4, nKvHeads: 4 };
  const w = randomWeights(gqa, 3);
  const hd = micro.dim / 4;
  const wm = new Map(w);
  for (let l = 0; l < micro.nLayers; l++) {
    for (const t of ["attn_k", "attn_v"]) {
      const src = w.get(`blk.${l}.${t}.weight`)!; // [2·hd, dim]
      const dst = new Float32Array(4 * hd * micro.dim);
      for (let h = 0; h < 4; h++) dst.set(src.subarray(Math.floor(h / 2) * hd * micro.dim, (Math.floor(h / 2) + 1) * hd * micro.dim), h * hd * micro.dim);
      wm.set(`blk.${l}.${t}.weight`, dst);
    }
  }
  const a = LlamaModel.fromWeights(gqa, w);
  const b = LlamaModel.fromWeights(mha, wm);
  try {
    const seq = tokens(10, 4, micro.vocabSize);
    const la = a.logits(seq);
    const lb = b.logits(seq);
    la.forEach((row, t) => assert.ok(maxAbsDiff(row, lb[t]!) <= 1e-5, `position ${t}`));
  } finally {
    a.dispose();
    b.dispose();
  }
});

test("untied head uses output.weight; with output = token_embd it equals the tied model", () => {
  const w = randomWeights(micro, 4);
  const untiedCfg = { ...micro, tieEmbeddings: false };
  const wu = new Map(w);
  wu.set("output.weight", w.get("token_embd.weight")!.slice());
  const tied = LlamaModel.fromWeights(micro, w);
  const untied = LlamaModel.fromWeights(untiedCfg, wu);
  try {
    assert.ok(untied.params.has("output.weight"));
    const seq = tokens(6, 6, micro.vocabSize);
    const a = tied.logits(seq);
    const b = untied.logits(seq);
    a.forEach((row, t) => assert.ok(maxAbsDiff(row, b[t]!) <= 1e-6));
    // A different head changes the logits.
    const wu2 = new Map(wu);
    wu2.set("output.weight", randomWeights(untiedCfg, 9).get("output.weight")!);
    const other = LlamaModel.fromWeights(untiedCfg, wu2);
    assert.ok(maxAbsDiff(other.logits(seq)[0]!, a[0]!) > 1e-2);
    other.dispose();
  } finally {
    tied.dispose();
    untied.dispose();
  }
});

test("embedding gradient (custom scatter-add) matches central finite differences", () => {
  const cfg = { ...micro, nLayers: 1 };
  const m = LlamaModel.fromWeights(cfg, randomWeights(cfg, 5, 0.5));
  try {
    const rows = [[3, 7, 3, 11, 3, 7], [11, 2, 7, 7, 3, 19]];
    const emb = m.params.get("token_embd.weight")!;
    const grad = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => m.loss(tf.tensor2d(rows, undefined, "int32")), [emb]);
      value.dispose();
      return grads[emb.name]!.dataSync();
    });
    const base = emb.dataSync().slice();
    const eps = 1e-2;
    // Repeated input tokens 3 and 7, token 19 (only a target: head gradient only), and an unused id 30.
    for (const [id, j] of [[3, 0], [3, 5], [7, 2], [11, 9], [19, 4], [30, 1]] as const) {
      const idx = id * cfg.dim + j;
      const at = (delta: number) => {
        const w = base.slice();
        w[idx] = w[idx]! + delta;
        emb.assign(tf.tensor2d(w, emb.shape as [number, number]));
        return lossOf(m, rows);
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      emb.assign(tf.tensor2d(base, emb.shape as [number, number]));
      const g = grad[idx]!;
      assert.ok(Math.abs(numeric - g) <= 2e-3 + 0.03 * Math.abs(g), `d loss / d E[${id}, ${j}]: numeric ${numeric}, analytic ${g}`);
    }
  } finally {
    m.dispose();
  }
});

test("a few Adam steps overfit a repeated sequence", () => {
  const m = LlamaModel.create(tiny, { seed: 11 });
  const opt = tf.train.adam(0.01);
  try {
    const seq = tokens(33, 12, tiny.vocabSize);
    const batch = tf.tensor2d([seq, seq], undefined, "int32");
    const vars = [...m.params.values()];
    const first = lossOf(m, [seq]);
    for (let i = 0; i < 25; i++) opt.minimize(() => m.loss(batch), false, vars);
    const last = lossOf(m, [seq]);
    batch.dispose();
    assert.ok(last < first * 0.5, `loss ${first} -> ${last}`);
  } finally {
    opt.dispose();
    m.dispose();
  }
});

test("greedy generation is deterministic and follows the argmax of the full forward", () => {
  const m = LlamaModel.fromWeights(micro, randomWeights(micro, 6));
  try {
    const prompt = [1, 2, 3];
    const a = m.generate(prompt, { maxTokens: 8 });
    const b = m.generate(prompt, { maxTokens: 8, temperature: 0 });
    assert.deepEqual(a, b);
    assert.equal(a.length, 8);
    const seq = [...prompt];
    for (let i = 0; i < 8; i++) {
      const row = m.logits(seq)[seq.length - 1]!;
      seq.push(row.indexOf(Math.max(...row)));
    }
    assert.deepEqual(a, seq.slice(3));
    // Seeded sampling repeats; streaming reports the same tokens; a stop token ends early.
    const s1 = m.generate(prompt, { maxTokens: 10, temperature: 1, topK: 10, topP: 0.9, seed: 5 });
    const seen: number[] = [];
    const s2 = m.generate(prompt, { maxTokens: 10, temperature: 1, topK: 10, topP: 0.9, seed: 5, onToken: (t) => seen.push(t) });
    assert.deepEqual(s1, s2);
    assert.deepEqual(seen, s2);
    const k = a.findIndex((id, i) => i > 0 && !a.slice(0, i).includes(id));
    if (k > 0) assert.deepEqual(m.generate(prompt, { maxTokens: 8, stopTokens: [a[k]!] }), a.slice(0, k));
    assert.deepEqual(m.generate(prompt, { maxTokens: 8, stopTokens: [a[0]!] }), []);
    assert.deepEqual(m.generate(prompt, { maxTokens: 0 }), []);
  } finally {
    m.dispose();
  }
});

test("bad input gets clear errors", () => {
  const m = LlamaModel.create(micro, { seed: 1 });
  try {
    const tooLong = tokens(micro.contextLength + 1, 1, micro.vocabSize);
    assert.throws(() => m.logits(tooLong), LimitExceededError);
    assert.throws(() => lossOf(m, [[...tooLong, 0]]), LimitExceededError);
    assert.throws(() => m.logits([1, micro.vocabSize]), (e: unknown) => e instanceof InvalidArgumentError && /index 1/.test(e.message));
    assert.throws(() => m.logits([1, -1]), InvalidArgumentError);
    assert.throws(() => m.logits([1.5]), InvalidArgumentError);
    assert.throws(() => m.logits([]), InvalidArgumentError);
    assert.throws(() => lossOf(m, [[1, 99]]), InvalidArgumentError);
    assert.throws(() => m.loss(tf.tensor2d([[1, 2]]) as tf.Tensor2D), /int32/);
    assert.throws(() => m.generate([1, 2], { maxTokens: micro.contextLength - 1 }), (e: unknown) => e instanceof LimitExceededError && /maxTokens/.test(e.message));
    assert.throws(() => m.generate([1], { maxTokens: 2, temperature: -1 }), InvalidArgumentError);
    const cache = m.createCache();
    m.forwardCached(cache, tokens(micro.contextLength, 2, micro.vocabSize));
    assert.throws(() => m.forwardCached(cache, [1]), LimitExceededError);
    cache.dispose();
    const other = LlamaModel.create(micro, { seed: 2 });
    assert.throws(() => other.forwardCached(m.createCache(), [1]), InvalidArgumentError);
    other.dispose();
    assert.throws(() => LlamaModel.create({ ...micro, nKvHeads: 3 }, { seed: 1 }), InvalidArgumentError);
  } finally {
    m.dispose();
  }
  assert.throws(() => m.logits([1]), /disposed/);
});

test("fromWeights rejects missing, unknown, mis-sized and non-finite tensors by name", () => {
  const good = randomWeights(micro, 7);
  const fails = (w: Map<string, Float32Array>, pattern: RegExp, cfg = micro) =>
    assert.throws(() => LlamaModel.fromWeights(cfg, w), (e: unknown) => e instanceof InvalidArgumentError && pattern.test(e.message));
  const missing = new Map(good);
  missing.delete("blk.1.ffn_down.weight");
  fails(missing, /blk\.1\.ffn_down\.weight.*missing/);
  fails(new Map(good).set("output.weight", new Float32Array(40 * 16)), /output\.weight.*not a tensor of this llama config/);
  fails(new Map(good).set("blk.0.attn_k.weight", new Float32Array(16 * 16)), /blk\.0\.attn_k\.weight.*256 values, expected 128 for shape \[8, 16\]/);
  const nan = new Float32Array(16).fill(1);
  nan[3] = NaN;
  fails(new Map(good).set("output_norm.weight", nan), /output_norm\.weight.*non-finite/);
  fails(good, /output\.weight.*missing/, { ...micro, tieEmbeddings: false });
  // Weights are copied in and copied out.
  const m = LlamaModel.fromWeights(micro, good);
  try {
    const w = m.weights();
    assert.deepEqual(w.get("blk.0.attn_q.weight"), good.get("blk.0.attn_q.weight"));
    w.get("blk.0.attn_q.weight")!.fill(0);
    good.get("blk.0.attn_v.weight")!.fill(0);
    assert.notDeepEqual(m.weights().get("blk.0.attn_q.weight"), w.get("blk.0.attn_q.weight"));
    assert.notDeepEqual(m.weights().get("blk.0.attn_v.weight"), good.get("blk.0.attn_v.weight"));
  } finally {
    m.dispose();
  }
});

test("evaluateLoss averages over all sequences; flopsPerToken counts matmuls and attention", () => {
  const m = LlamaModel.fromWeights(micro, randomWeights(micro, 8));
  try {
    const seqs = [0, 1, 2, 3, 4].map((s) => Int32Array.from(tokens(9, s, micro.vocabSize)));
    const all = lossOf(m, seqs.map((s) => [...s]));
    const ev = evaluateLoss(m, seqs, 2);
    assert.ok(Math.abs(ev.loss - all) < 1e-5);
    assert.ok(Math.abs(ev.perplexity - Math.exp(all)) < 1e-3);
    assert.throws(() => evaluateLoss(m, [], 2), InvalidArgumentError);
  } finally {
    m.dispose();
  }
  // dim 16, kv dim 8, ffn 32, vocab 40, 2 layers, seq 10:
  // per layer 2·(2·256 + 2·128 + 3·512) = 4608, attention 4·10·16 = 640, head 2·640 = 1280.
  assert.equal(flopsPerToken(micro, 10), 3 * (2 * (4608 + 640) + 1280));
});

test("no tensors leak across training steps, inference and generation", () => {
  const m = LlamaModel.create(tiny, { seed: 2 });
  try {
    const batch = tf.tensor2d([tokens(17, 1, tiny.vocabSize), tokens(17, 2, tiny.vocabSize)], undefined, "int32");
    const vars = [...m.params.values()];
    const step = () => {
      const { value, grads } = tf.variableGrads(() => m.loss(batch), vars);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    m.logits([1, 2, 3]);
    const cache = m.createCache();
    m.forwardCached(cache, [1, 2, 3]);
    m.forwardCached(cache, [4]);
    cache.dispose();
    m.generate([5, 6], { maxTokens: 4, temperature: 0.8, seed: 1 });
    evaluateLoss(m, [Int32Array.from([1, 2, 3]), Int32Array.from([4, 5, 6])], 1);
    assert.equal(tf.memory().numTensors, before);
    batch.dispose();
  } finally {
    m.dispose();
  }
});

test("measureTrainThroughput reports consistent numbers and frees its tensors", () => {
  const before = tf.memory().numTensors;
  const r = measureTrainThroughput(micro, { batchSize: 2, seqLen: 8, steps: 1, warmup: 0 });
  assert.equal(tf.memory().numTensors, before);
  assert.ok(r.msPerStep > 0);
  assert.ok(Math.abs(r.tokensPerSecond - 16 / (r.msPerStep / 1000)) < 1e-6 * r.tokensPerSecond);
  assert.ok(Math.abs(r.gflopsPerSecond - (r.tokensPerSecond * flopsPerToken(micro, 8)) / 1e9) < 1e-9 * r.gflopsPerSecond + 1e-12);
});
