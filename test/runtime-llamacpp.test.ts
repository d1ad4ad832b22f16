// The llama.cpp runtime's generation options: seeds, stop sequences, length limits, bad values.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../src/errors/index.ts";
import { LlamaCppModel } from "../src/runtime/index.ts";
import { tempDir } from "./helpers/tmp.ts";
import { trainTiny, writeTinyGguf } from "./helpers/tiny-gguf.ts";

let model: LlamaCppModel;

before(async () => {
  const tiny = await trainTiny(40);
  model = await LlamaCppModel.load(await writeTinyGguf(tempDir(), tiny, "f16"));
  tiny.model.dispose();
});
after(() => model.dispose());

test("the same seed gives the same sample; max_tokens ends with finish 'length'", async () => {
  const opts = { maxTokens: 20, temperature: 1, topK: 40, topP: 0.9, seed: 42 };
  const a = await model.complete("The nation", opts);
  const b = await model.complete("The nation", opts);
  assert.equal(a.text, b.text);
  assert.equal(a.finishReason, "length");
  assert.equal(a.usage.completionTokens, 20);
  const others = await Promise.all([1, 2, 3].map((seed) => model.complete("The nation", { ...opts, seed })));
  assert.ok(others.some((o) => o.text !== a.text), "different seeds should sample differently");
});

test("a stop sequence ends generation before it and is not returned", async () => {
  const full = await model.complete("The nation", { maxTokens: 30, temperature: 0 });
  const stop = full.text.slice(6, 9);
  assert.equal(stop.length, 3);
  const cut = await model.complete("The nation", { maxTokens: 30, temperature: 0, stop: [stop] });
  assert.equal(cut.text, full.text.slice(0, full.text.indexOf(stop)));
  assert.equal(cut.finishReason, "stop");
});

test("streaming yields text deltas that add up to the completion, then one finish", async () => {
  const parts = [];
  for await (const p of model.stream("The nation", { maxTokens: 12, temperature: 0 })) parts.push(p);
  const finish = parts.at(-1);
  assert.equal(finish?.type, "finish");
  const text = parts.flatMap((p) => (p.type === "text-delta" ? [p.text] : [])).join("");
  assert.equal(text, (await model.complete("The nation", { maxTokens: 12, temperature: 0 })).text);
});

test("invalid options are refused with the field named", async () => {
  const bad = [{ maxTokens: 0 }, { maxTokens: 5, temperature: -1 }, { maxTokens: 5, topP: 1.5 }, { maxTokens: 5, topK: 2.5 }, { maxTokens: 5, seed: -1 }, { maxTokens: 5, stop: [""] }];
  for (const o of bad) await assert.rejects(model.complete("x", o), InvalidArgumentError);
});
