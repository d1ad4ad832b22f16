// The trainer end to end on the real tiny model: gradient accumulation, a short run whose validation
// loss falls, checkpoint layout and exact in-process resume, and the errors for bad options.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { CorruptFileError, InvalidArgumentError, NotFoundError } from "../../errors/index.ts";
import { PRESETS } from "../model/config.ts";
import { LlamaModel, initBackend } from "../model/index.ts";
import { trainBpe } from "../tokenizer/index.ts";
import { sotuText } from "../../../test/helpers/corpus.ts";
import { tempDir } from "../../../test/helpers/tmp.ts";
import { accumulateGradients } from "./gradients.ts";
import { loadCheckpoint, loadOptimizerState, stepDirName } from "./checkpoint.ts";
import { Rng } from "./rng.ts";
import { train } from "./trainer.ts";
import type { EvalResult, TrainOptions } from "./index.ts";
import { tokenizeDocuments } from "./data.ts";

await initBackend();
const dir = tempDir();
const corpus = join(dir, "corpus.txt");
writeFileSync(corpus, sotuText(120_000));
const tokPath = join(dir, "tok.json");
const tokenizer = trainBpe([readFileSync(corpus, "utf8")], { vocabSize: 512 });
await tokenizer.save(tokPath);
const base = (out: string): TrainOptions => ({
  data: [corpus], config: "tiny", out: join(dir, out), tokenizer: tokPath, seqLen: 32, batchSize: 4, seed: 11,
});

test("documents are tokenized into one stream with EOS after each", () => {
  const ids = tokenizeDocuments(["one doc", "", "two"], tokenizer);
  const expected = [...tokenizer.encode("one doc"), tokenizer.eosId, ...tokenizer.encode("two"), tokenizer.eosId];
  assert.deepEqual(Array.from(ids), expected);
  assert.throws(() => tokenizeDocuments(["", ""], tokenizer), /corpus is empty/);
});

test("gradient accumulation over 2 micro-batches equals one batch of twice the size", () => {
  const model = LlamaModel.create({ ...PRESETS.tiny!, vocabSize: 97 }, { seed: 3 });
  const rng = Rng.fromSeed(1);
  const data = Int32Array.from({ length: 4 * 17 }, () => rng.nextInt(97));
  const whole = tf.tensor2d(data, [4, 17], "int32");
  const halves = [tf.tensor2d(data.subarray(0, 34), [2, 17], "int32"), tf.tensor2d(data.subarray(34), [2, 17], "int32")];
  const before = tf.memory().numTensors;
  const one = accumulateGradients(model, [whole]);
  const two = accumulateGradients(model, halves);
  assert.ok(Math.abs(one.loss - two.loss) <= 1e-5, `${one.loss} vs ${two.loss}`);
  for (const [name, g] of one.grads) {
    const a = g.dataSync();
    const b = two.grads.get(name)!.dataSync();
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    assert.ok(worst <= 1e-5, `${name}: max difference ${worst}`);
  }
  tf.dispose([...one.grads.values(), ...two.grads.values()]);
  assert.equal(tf.memory().numTensors, before, "no tensors leak from accumulateGradients");
  tf.dispose([whole, ...halves]);
  model.dispose();
});

test("a short tiny-preset run lowers the validation loss and leaks no tensors", async () => {
  const evals: EvalResult[] = [];
  const before = tf.memory().numTensors;
  const result = await train({ ...base("run"), seqLen: 64, batchSize: 8, maxSteps: 40, lr: 1e-2, warmupSteps: 4, evalEvery: 5, evalBatches: 2, checkpointEvery: 100, samples: true }, {
    onEval: (e) => evals.push(e),
  });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(result.steps, 40);
  assert.equal(result.tokens, 40 * 8 * 64);
  assert.equal(evals.length, 8);
  // With `samples`, each evaluation carries held-out text and a greedy continuation through the KV cache.
  assert.ok(evals.every((e) => typeof e.prompt === "string" && e.prompt.length > 0 && typeof e.sample === "string"));
  const first = evals[0]!.valLoss;
  const last = evals.at(-1)!.valLoss;
  // An untrained model guesses about uniformly: ln(512) ≈ 6.24 nats.
  assert.ok(last < Math.log(512) - 0.8, `final val loss ${last} is well below a uniform guess`);
  assert.ok(last < first - 0.1, `val loss fell from ${first} (step 5) to ${last} (step 40)`);
  assert.equal(result.valLoss, last);
  assert.ok(Math.abs(result.valPerplexity! - Math.exp(last)) < 1e-3 * Math.exp(last));
  assert.ok(result.tokensPerSecond > 0);
  console.log(`tiny preset: ${Math.round(result.tokensPerSecond)} tokens/s (batch 8 × 64), val loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
});

test("an interrupted run resumed from its checkpoint ends bit-identical to an uninterrupted one", async () => {
  const opts: TrainOptions = { ...base("a"), maxSteps: 6, gradAccum: 2, batchSize: 2, checkpointEvery: 2, evalEvery: 3, evalBatches: 1, lr: 2e-3 };
  const a = await train(opts);
  assert.deepEqual(readdirSync(join(opts.out, "checkpoints")).sort(), [stepDirName(4), stepDirName(6)]);
  assert.equal(readFileSync(join(opts.out, "latest"), "utf8").trim(), stepDirName(6));

  const outB = join(dir, "b");
  await assert.rejects(train({ ...opts, out: outB }, {
    onCheckpoint: (_d, step) => {
      if (step === 4) throw new Error("simulated crash");
    },
  }), /simulated crash/);
  // Leftovers of a crash mid-write: a temporary directory and a step directory `latest` never named.
  mkdirSync(join(outB, "checkpoints", ".tmp-step-00000006-1"));
  mkdirSync(join(outB, "checkpoints", stepDirName(99)));
  const resumed = await train({ out: outB, resume: true });
  assert.deepEqual(readdirSync(join(outB, "checkpoints")).sort(), [stepDirName(4), stepDirName(6)]);
  assert.equal(resumed.resumedFrom, 4);
  assert.equal(resumed.steps, 6);
  assert.equal(resumed.valLoss, a.valLoss);

  const ca = await loadCheckpoint(opts.out);
  const cb = await loadCheckpoint(outB);
  assert.equal(cb.state.step, 6);
  assert.deepEqual(cb.state, ca.state);
  for (const [name, w] of ca.weights) assert.deepEqual(cb.weights.get(name), w, name);
  const oa = await loadOptimizerState(ca.dir, ca.config);
  const ob = await loadOptimizerState(cb.dir, cb.config);
  for (const [name, m] of oa) assert.deepEqual(ob.get(name), m, name);

  // The same checkpoint is reachable through the out dir and through its step dir.
  const viaStep = await loadCheckpoint(join(opts.out, "checkpoints", stepDirName(6)));
  assert.deepEqual(viaStep.config, ca.config);
  assert.equal(viaStep.tokenizer.vocabSize, ca.tokenizer.vocabSize);

  // Resuming refuses settings that would change the computation, and data that differ.
  await assert.rejects(train({ out: outB, resume: true, maxSteps: 8, lr: 1e-2 }), (e: unknown) => e instanceof InvalidArgumentError && e.field === "lr");
  const other = join(dir, "other.txt");
  writeFileSync(other, sotuText(60_000));
  await assert.rejects(train({ out: outB, resume: true, maxSteps: 8, data: [other] }), /differ from the .* the checkpoint was trained on/);
  // A fresh run will not overwrite existing checkpoints.
  await assert.rejects(train(opts), /already holds checkpoints/);
});

test("corrupt or missing checkpoints give clear errors", async () => {
  const out = join(dir, "a");
  const step = join(out, "checkpoints", stepDirName(6));
  writeFileSync(join(step, "state.json"), "{ not json");
  await assert.rejects(loadCheckpoint(out), (e: unknown) => e instanceof CorruptFileError && /state\.json/.test(e.message));
  await assert.rejects(train({ out, resume: true }), /state\.json: is not valid JSON/);
  writeFileSync(join(out, "latest"), "step-00000099\n");
  await assert.rejects(loadCheckpoint(out), /latest: names step-00000099, which is missing/);
  await assert.rejects(train({ out: join(dir, "nothing"), resume: true }), NotFoundError);
  await assert.rejects(loadCheckpoint(join(dir, "nowhere")), /unknown checkpoint directory/);
});

test("bad options are refused before any work, naming the option", async () => {
  const o = base("bad");
  const field = (f: string) => (e: unknown) => e instanceof InvalidArgumentError && e.field === f;
  await assert.rejects(train({ ...o, config: "gigantic" }), (e: unknown) => e instanceof NotFoundError && /gigantic.*tiny, default/.test(e.message));
  await assert.rejects(train({ ...o, lr: -1 }), field("lr"));
  await assert.rejects(train({ ...o, batchSize: 0 }), field("batchSize"));
  await assert.rejects(train({ ...o, seqLen: 129 }), (e: unknown) => field("seqLen")(e) && /context length \(128\)/.test((e as Error).message));
  await assert.rejects(train({ ...o, gradAccum: 1.5 }), field("gradAccum"));
  await assert.rejects(train({ ...o, valFraction: 1 }), field("valFraction"));
  await assert.rejects(train({ ...o, minLr: 1, lr: 0.1 }), field("minLr"));
  await assert.rejects(train({ ...o, data: [] }), field("data"));
  await assert.rejects(train({ ...o, vocabSize: 600 }), field("vocabSize"));
  const cfg = join(dir, "cfg.json");
  writeFileSync(cfg, JSON.stringify({ ...PRESETS.tiny!, nLayers: 0 }));
  await assert.rejects(train({ ...o, config: cfg }), /cfg\.json\.nLayers: must be a positive integer/);
  writeFileSync(cfg, "{");
  await assert.rejects(train({ ...o, config: cfg }), (e: unknown) => e instanceof CorruptFileError && /cfg\.json/.test(e.message));
  const empty = join(dir, "empty.txt");
  writeFileSync(empty, "");
  await assert.rejects(train({ ...o, data: [empty] }), /corpus is empty/);
  const small = join(dir, "small.txt");
  writeFileSync(small, "A few words only.");
  await assert.rejects(train({ ...o, data: [small] }), /too small/);
});
