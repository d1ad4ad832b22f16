// Every generation is on the audit ledger: its record is committed before the first output part is
// passed on (while the model evaluates the prompt), its end record carries the output's hash, and a
// ledger that cannot write stops the generation before any text leaves (fail closed).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { audited } from "../src/kernel/audited.ts";
import { LlamaCppModel, type StreamPart } from "../src/runtime/index.ts";
import { tempLedger } from "../src/security/audit/testing.ts";

const model = await LlamaCppModel.load("models/default/model.gguf", { slots: 2 });
after(() => model.dispose());
const principal = { id: "key-1", tenant: "acme", role: "user" as const };
const open = async (input: { prompt: string } | { messages: never[] }, options: { maxTokens: number; temperature?: number }) => model.stream(input, options);

test("the record is on the ledger before the first part; the end record hashes the output", async () => {
  const t = tempLedger(0);
  try {
    const stream = await audited(t.ledger, principal, "model:default:1", open as never)({ prompt: "Our economy" }, { maxTokens: 8, temperature: 0 }, { tenant: "acme" });
    let text = "";
    let sizeAtFirst = -1;
    for await (const p of stream as AsyncIterable<StreamPart>) {
      if (sizeAtFirst < 0) sizeAtFirst = t.ledger.size;
      if (p.type === "text-delta") text += p.text;
    }
    assert.equal(sizeAtFirst, 1);
    const [start, end] = t.ledger.tail(2);
    assert.equal(start!.action, "model.generate");
    assert.equal(start!.inputHash, createHash("sha256").update(JSON.stringify({ prompt: "Our economy" })).digest("hex"));
    assert.equal(end!.action, "model.generate.end");
    assert.equal(end!.outputHash, createHash("sha256").update(text).digest("hex"));
    await t.ledger.flush();
  } finally {
    t.close();
  }
});

test("a ledger that cannot write: the stream is one error part and no text", async () => {
  const t = tempLedger(0);
  t.db.close(); // every append now throws
  after(() => t.close());
  const stream = await audited(t.ledger, principal, "model:default:1", open as never)({ prompt: "We must" }, { maxTokens: 8, temperature: 0 }, { tenant: "acme" });
  const parts: StreamPart[] = [];
  for await (const p of stream as AsyncIterable<StreamPart>) parts.push(p);
  assert.equal(parts.length, 1);
  assert.equal(parts[0]!.type, "error");
  // The generation was stopped: both slots take new work at once.
  const again = await Promise.all([0, 1].map(async () => {
    let n = 0;
    for await (const p of model.stream({ prompt: "We must" }, { maxTokens: 2, temperature: 0 })) if (p.type === "finish") n = p.usage.completionTokens;
    return n;
  }));
  assert.deepEqual(again, [2, 2]);
});
