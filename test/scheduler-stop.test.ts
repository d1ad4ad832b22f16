// The scheduler stops a real llama.cpp generation on its deadline (an error part: TimeoutError) and
// when the caller's signal fires (a finish with reason "abort"), and frees the slot either way.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { LlamaCppModel } from "../src/runtime/index.ts";
import { Scheduler } from "../src/scheduler/index.ts";
import type { StreamPart } from "../src/runtime/index.ts";

const GGUF = "models/default/model.gguf";
const schedulers: Scheduler[] = [];
after(async () => {
  for (const s of schedulers) await s.dispose();
});

function scheduler(generationTimeoutMs: number): Scheduler {
  const s = new Scheduler({ policy: "fifo", maxQueue: 4, waitTimeoutMs: 5_000, generationTimeoutMs, budgetBytes: 1 << 30, keepAliveMs: 60_000 });
  schedulers.push(s);
  return s;
}

const model = { key: "default", bytes: 1 << 20, load: () => LlamaCppModel.load(GGUF, { slots: 1 }) };

async function collect(stream: AsyncIterable<StreamPart>, onText?: () => void): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const p of stream) {
    parts.push(p);
    if (p.type === "text-delta") onText?.();
  }
  return parts;
}

test("a generation past its deadline ends with a TimeoutError part, and the slot is free again", async () => {
  const s = scheduler(30);
  // Warm: load the model first, so the deadline falls inside decoding rather than loading.
  await collect(await s.open(model, { prompt: "warm" }, { maxTokens: 1, temperature: 0 }, { tenant: "t" }));
  const parts = await collect(await s.open(model, { prompt: "The state of the Union" }, { maxTokens: 100_000, temperature: 0 }, { tenant: "t" }));
  const last = parts.at(-1)!;
  assert.equal(last.type, "error");
  assert.equal((last as { error: { code?: string } }).error.code, "timeout");
  assert.deepEqual(s.stats(), [{ model: "default", active: 0, queued: 0 }]);
  // The one slot serves the next request.
  const next = await collect(await s.open(model, { prompt: "Our economy" }, { maxTokens: 4, temperature: 0 }, { tenant: "t" }));
  assert.equal(next.at(-1)!.type, "finish");
});

test("the caller's signal stops the generation with finish reason abort (not a timeout)", async () => {
  const s = scheduler(60_000);
  const ac = new AbortController();
  let seen = 0;
  const parts = await collect(await s.open(model, { prompt: "The state of the Union" }, { maxTokens: 100_000, temperature: 0 }, { tenant: "t", signal: ac.signal }), () => {
    if (++seen === 3) ac.abort();
  });
  const last = parts.at(-1)!;
  assert.equal(last.type, "finish");
  assert.equal((last as { finishReason: string }).finishReason, "abort");
  assert.ok(seen < 200, `stopped soon after the abort (saw ${seen} text parts)`);
  assert.deepEqual(s.stats(), [{ model: "default", active: 0, queued: 0 }]);
});

test("a caller signal that fired before open is refused before any slot is taken", async () => {
  const s = scheduler(60_000);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(s.open(model, { prompt: "The state of the Union" }, { maxTokens: 100_000, temperature: 0 }, { tenant: "t", signal: ac.signal }), { code: "aborted" });
  assert.ok(s.stats().every((q) => q.active === 0 && q.queued === 0));
});
