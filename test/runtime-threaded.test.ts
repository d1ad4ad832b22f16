// llama.cpp on a worker thread behaves as it does in this thread: the same greedy text and
// embeddings, load errors with the same code, an abort frees the slot, and a disposed model
// answers with an error part instead of hanging.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { collect, LlamaCppModel, ThreadedLlamaCppModel } from "../src/runtime/index.ts";
import { tempDir } from "./helpers/tmp.ts";

const GGUF = "models/default/model.gguf";
const dir = tempDir();
const inThread = await LlamaCppModel.load(GGUF, { slots: 2 });
const threaded = await ThreadedLlamaCppModel.load(GGUF, { slots: 2 });
after(async () => {
  await inThread.dispose();
  await threaded.dispose();
});

test("greedy text and embeddings equal the in-thread runtime's", async () => {
  const o = { maxTokens: 24, temperature: 0 };
  const a = await collect(inThread.stream({ prompt: "The state of the Union" }, o));
  const b = await collect(threaded.stream({ prompt: "The state of the Union" }, o));
  assert.deepEqual(b, a);
  const ea = await inThread.embed(["hello there", "the budget"]);
  const eb = await threaded.embed(["hello there", "the budget"]);
  assert.equal(eb.promptTokens, ea.promptTokens);
  for (const [i, v] of eb.embeddings.entries()) for (const [j, x] of v.entries()) assert.ok(Math.abs(x - ea.embeddings[i]![j]!) < 1e-6);
  await assert.rejects(threaded.embed([""]), (e: Error & { code?: string }) => e.code === "invalid_argument" && /input\[0\]/.test(e.message));
});

test("a corrupt file is refused with the in-thread error code; an abort ends with finish 'abort'", async () => {
  const bad = join(dir, "bad.gguf");
  writeFileSync(bad, "GGUF but not really");
  const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (e: { code?: string }) => e.code);
  assert.equal(await codeOf(ThreadedLlamaCppModel.load(bad)), await codeOf(LlamaCppModel.load(bad)));
  const ac = new AbortController();
  const parts = [];
  for await (const p of threaded.stream({ prompt: "Our economy" }, { maxTokens: 200, temperature: 0, signal: ac.signal })) {
    parts.push(p);
    if (p.type === "text-delta") ac.abort();
  }
  const last = parts.at(-1)!;
  assert.equal(last.type, "finish");
  assert.equal(last.type === "finish" && last.finishReason, "abort");
  // Both slots are free again: two generations still run.
  const both = await Promise.all([collect(threaded.stream({ prompt: "We must" }, { maxTokens: 4, temperature: 0 })), collect(threaded.stream({ prompt: "We must" }, { maxTokens: 4, temperature: 0 }))]);
  assert.equal(both[0].text, both[1].text);
});

test("after dispose a generation is an error part, not a hang", async () => {
  const m = await ThreadedLlamaCppModel.load(GGUF);
  await m.dispose();
  const parts = [];
  for await (const p of m.stream({ prompt: "x" }, { maxTokens: 2 })) parts.push(p);
  assert.equal(parts.length, 1);
  assert.equal(parts[0]!.type, "error");
});
