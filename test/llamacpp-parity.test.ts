// The native engine and llama.cpp, reading the engine's F32 export, must compute the same model:
// next-token logits within 1e-3 and identical 64-token greedy continuations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { exportLlamaGguf } from "../src/engine/gguf/index.ts";
import { initBackend, LlamaModel, PRESETS, type LlamaConfig } from "../src/engine/model/index.ts";
import { trainBpe } from "../src/engine/tokenizer/index.ts";
import { LlamaCppModel } from "../src/runtime/index.ts";
import { sotuText } from "./helpers/corpus.ts";
import { tempDir } from "./helpers/tmp.ts";

test("F32 export: logits and greedy continuations equal llama.cpp's", async () => {
  await initBackend();
  const dir = tempDir();
  const text = sotuText(400_000);
  const tokenizer = trainBpe([text], { vocabSize: 512 });
  const config: LlamaConfig = { ...PRESETS.tiny!, vocabSize: tokenizer.vocabSize };
  const model = LlamaModel.create(config, { seed: 3 });
  // A short real training run, so that distributions are peaked like a real model's (random weights give near-ties).
  const ids = tokenizer.encode(text);
  const T = 64, B = 8;
  const optimizer = tf.train.adam(3e-3);
  const vars = [...model.params.values()];
  for (let step = 0; step < 120; step++) {
    const rows: number[][] = [];
    for (let b = 0; b < B; b++) {
      const start = ((step * B + b) * 997) % (ids.length - T - 1);
      rows.push(ids.slice(start, start + T + 1));
    }
    const batch = tf.tensor2d(rows, [B, T + 1], "int32");
    optimizer.minimize(() => model.loss(batch), false, vars);
    batch.dispose();
  }
  optimizer.dispose();

  const path = join(dir, "tiny-f32.gguf");
  await exportLlamaGguf({ path, config, weights: model.weights(), vocab: tokenizer, type: "f32", name: "parity" });
  const cpp = await LlamaCppModel.load(path);
  try {
    const prompt = tokenizer.encode("The state of our Union is strong, and the American people").slice(0, 32);
    const ours = model.logits(prompt);
    const theirs = await cpp.logits(prompt);
    let maxDiff = 0;
    for (let p = 0; p < prompt.length; p++) {
      for (let v = 0; v < config.vocabSize; v++) maxDiff = Math.max(maxDiff, Math.abs(ours[p]![v]! - theirs[p]![v]!));
    }
    assert.ok(maxDiff <= 1e-3, `max |logit difference| = ${maxDiff}`);

    const nativeGreedy = model.generate(prompt, { maxTokens: 64, temperature: 0, stopTokens: [tokenizer.eosId] });
    const cppGreedy = await cpp.generateIds(prompt, { maxTokens: 64, temperature: 0 });
    assert.deepEqual(cppGreedy, nativeGreedy);
    assert.equal(nativeGreedy.length, 64);
  } finally {
    await cpp.dispose();
    model.dispose();
  }
});
