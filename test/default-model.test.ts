// The shipped default model: small enough to ship, described by its card, and writing English.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { readGguf } from "../src/engine/gguf/index.ts";
import { LlamaCppModel } from "../src/runtime/index.ts";
import { sotuText } from "./helpers/corpus.ts";

const GGUF = "models/default/model.gguf";

test("the default model ships as a GGUF of at most 25 MB with a complete card", async () => {
  assert.ok(statSync(GGUF).size <= 25 * 1024 * 1024);
  const file = await readGguf(GGUF);
  assert.equal(file.metadata.get("general.architecture")?.value, "llama");
  assert.equal(file.metadata.get("tokenizer.ggml.model")?.value, "gpt2");
  const card = JSON.parse(readFileSync("models/default/card.json", "utf8")) as Record<string, any>;
  for (const key of ["parameters", "tokenizer", "data", "training"]) assert.ok(card[key], `card.json lacks ${key}`);
  assert.ok(card.training.steps > 0 && card.training.tokens > 0);
  assert.ok(card.training.validationPerplexity > 1 && card.training.tokensPerSecond > 0);
  assert.match(readFileSync("models/default/MODEL_CARD.md", "utf8"), /perplexity/);
});

test("the default model writes recognisable English", async () => {
  // Words it writes should be words of the language it learned: measured against the corpus's vocabulary.
  const known = new Set(sotuText(12_000_000).toLowerCase().match(/[a-z]+/g));
  const model = await LlamaCppModel.load(GGUF);
  try {
    let words: string[] = [];
    for (const [i, prompt] of ["The state of the Union", "Our economy", "I ask the Congress to"].entries()) {
      const r = await model.complete(prompt, { maxTokens: 48, temperature: 0.7, topK: 40, topP: 0.95, seed: i + 1 });
      words = words.concat(r.text.toLowerCase().match(/[a-z]+/g) ?? []);
    }
    assert.ok(words.length >= 60, `too few words: ${words.length}`);
    const share = words.filter((w) => known.has(w)).length / words.length;
    assert.ok(share >= 0.9, `only ${(share * 100).toFixed(0)}% of generated words are English words`);
    // Not a loop: the model uses a varied vocabulary.
    assert.ok(new Set(words).size >= words.length / 3);
  } finally {
    await model.dispose();
  }
});
