// The ModelRuntime contract: one suite of behaviours that every driver (llama.cpp, remote, native)
// must show. Each driver's test file calls runtimeContract() with a factory for a real instance.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { collect, type GenerationInput, type GenerationOptions, type ModelRuntime, type StreamPart } from "../../src/runtime/index.ts";

async function parts(rt: ModelRuntime, input: GenerationInput, o: GenerationOptions): Promise<StreamPart[]> {
  const out: StreamPart[] = [];
  for await (const p of rt.stream(input, o)) out.push(p);
  return out;
}

export function runtimeContract(name: string, make: () => Promise<ModelRuntime>): void {
  let rt: ModelRuntime;
  before(async () => {
    rt = await make();
  });
  after(async () => {
    await rt?.dispose();
  });

  test(`${name}: text deltas then exactly one finish, with usage; max_tokens is honoured`, async () => {
    const ps = await parts(rt, { prompt: "The state of the Union" }, { maxTokens: 6, temperature: 0 });
    const finishes = ps.filter((p) => p.type === "finish");
    assert.equal(finishes.length, 1);
    assert.equal(ps.at(-1)!.type, "finish");
    assert.ok(ps.slice(0, -1).every((p) => p.type === "text-delta"));
    const f = finishes[0] as Extract<StreamPart, { type: "finish" }>;
    assert.ok(f.usage.promptTokens > 0);
    assert.ok(f.usage.completionTokens <= 6 && f.usage.completionTokens > 0);
    if (f.usage.completionTokens === 6) assert.equal(f.finishReason, "length");
  });

  test(`${name}: greedy decoding is deterministic and chat input works`, async () => {
    const a = await collect(rt.stream({ prompt: "Our economy" }, { maxTokens: 8, temperature: 0 }));
    const b = await collect(rt.stream({ prompt: "Our economy" }, { maxTokens: 8, temperature: 0 }));
    assert.equal(a.text, b.text);
    const chat = await collect(rt.stream({ messages: [{ role: "user", content: "Tell me about the Congress." }] }, { maxTokens: 8, temperature: 0 }));
    assert.ok(chat.usage.promptTokens > a.usage.promptTokens);
  });

  test(`${name}: a stop sequence ends the text before it`, async () => {
    const full = await collect(rt.stream({ prompt: "The Congress" }, { maxTokens: 24, temperature: 0 }));
    assert.ok(full.text.length >= 8, "need some output to cut");
    const word = full.text.slice(5, 8);
    const cut = await collect(rt.stream({ prompt: "The Congress" }, { maxTokens: 24, temperature: 0, stop: [word] }));
    assert.equal(cut.finishReason, "stop");
    assert.ok(!cut.text.includes(word));
    assert.ok(full.text.startsWith(cut.text));
  });

  test(`${name}: an abort ends the stream with finish 'abort'`, async () => {
    const ac = new AbortController();
    let deltas = 0;
    let finish: string | undefined;
    for await (const p of rt.stream({ prompt: "The" }, { maxTokens: 200, temperature: 1, signal: ac.signal })) {
      if (p.type === "text-delta" && ++deltas === 2) ac.abort();
      if (p.type === "finish") finish = p.finishReason;
    }
    assert.equal(finish, "abort");
    assert.ok(deltas < 50);
  });

  test(`${name}: bad options and over-long prompts arrive as error parts, never as throws`, async () => {
    for (const o of [{ maxTokens: 0 }, { maxTokens: 5, temperature: 9 }, { maxTokens: 5, topP: 0 }]) {
      const ps = await parts(rt, { prompt: "x" }, o);
      assert.equal(ps.length, 1);
      assert.equal(ps[0]!.type, "error");
    }
    const long = await parts(rt, { prompt: "word ".repeat(rt.contextSize + 10) }, { maxTokens: 4 });
    assert.equal(long.at(-1)!.type, "error");
  });
}
