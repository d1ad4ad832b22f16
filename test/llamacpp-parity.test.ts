// The native engine and llama.cpp, reading the engine's F32 export, must compute the same model:
// next-token logits within 1e-3 and identical 64-token greedy continuations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LlamaCppModel } from "../src/runtime/index.ts";
import { trainTiny, writeTinyGguf } from "./helpers/tiny-gguf.ts";
import { tempDir } from "./helpers/tmp.ts";

test("F32 export: logits and greedy continuations equal llama.cpp's", async () => {
  const dir = tempDir();
  // A short real training run, so that distributions are peaked like a real model's (random weights give near-ties).
  const { model, tokenizer } = await trainTiny(120);
  const config = model.config;
  const path = await writeTinyGguf(dir, { model, tokenizer }, "f32");
  const cpp = await LlamaCppModel.load(path, { kvCache: "f32" });
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
