// The streaming guard: the output scan settles text in whole-word pieces (PII that the model streams
// token by token is still found, and the scan runs once per piece, not once per token), and
// re-identification holds back only text that could be the start of a surrogate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Analyzer, guardStream, PseudonymMap, type PiiPolicy } from "../src/privacy/pii/index.ts";
import type { StreamPart } from "../src/runtime/stream.ts";

const policy: PiiPolicy = { default: "redact", entities: {}, reidentify: true };

async function run(text: string, chunk: number) {
  const real = new Analyzer();
  let scans = 0;
  const analyzer = Object.assign(Object.create(real) as Analyzer, {
    analyze: (t: string, o?: Parameters<Analyzer["analyze"]>[1]) => {
      scans++;
      return real.analyze(t, o);
    },
  });
  const pieces = text.match(new RegExp(`[^]{1,${chunk}}`, "g"))!;
  async function* source(): AsyncIterable<StreamPart> {
    for (const p of pieces) yield { type: "text-delta", text: p };
    yield { type: "finish", finishReason: "stop", usage: { promptTokens: 1, completionTokens: pieces.length } };
  }
  const out: StreamPart[] = [];
  for await (const p of guardStream(source(), { pseudonyms: new PseudonymMap(), reidentify: true, analyzer, policy })) out.push(p);
  const deltas = out.filter((p): p is Extract<StreamPart, { type: "text-delta" }> => p.type === "text-delta");
  return { text: deltas.map((p) => p.text).join(""), deltas, scans, chunks: pieces.length, last: out.at(-1)! };
}

test("an e-mail address and a card number streamed 2 characters at a time are still redacted", async () => {
  const r = await run("Sure. Write to maria.lopez@clinic-example.org or pay with 4111 1111 1111 1111 before Friday, thanks.", 2);
  assert.ok(!r.text.includes("maria.lopez@clinic-example.org"), r.text);
  assert.ok(r.text.includes("<EMAIL_ADDRESS>"), r.text);
  assert.equal(r.last.type, "finish");
});

test("the first piece is passed on at once; then the scan runs once per piece, far fewer times than chunks", async () => {
  const r = await run("The weather today is mild and the forecast for the rest of the week looks calm and dry.", 3);
  assert.equal(r.deltas[0]!.text, "The");
  assert.equal(r.text, "The weather today is mild and the forecast for the rest of the week looks calm and dry.");
  assert.ok(r.scans * 4 <= r.chunks, `${r.scans} scans for ${r.chunks} chunks`);
  // Every later piece ends at a word boundary (or is the tail settled at the finish).
  // ("weather today is mild and ..." has no capital, but the response has: it is not lower-cased
  // text, so "weather" is not recased into a name.)
  for (const d of r.deltas.slice(1, -1)) assert.match(d.text, /\s$/);
});

test("re-identification holds back only text that could start a surrogate, and still maps a split one back", async () => {
  const map = new PseudonymMap();
  const s = map.surrogate("PERSON", "Ada Lovelace");
  const chunks = ["Thanks", " for", " the", " note", ", ", s.slice(0, 3), s.slice(3), " will", " reply."];
  let fed = "";
  const seen: string[] = [];
  async function* source(): AsyncIterable<StreamPart> {
    for (const c of chunks) {
      fed += c;
      yield { type: "text-delta", text: c };
    }
    yield { type: "finish", finishReason: "stop", usage: { promptTokens: 1, completionTokens: chunks.length } };
  }
  let out = "";
  for await (const p of guardStream(source(), { pseudonyms: map, reidentify: true })) {
    if (p.type !== "text-delta") continue;
    out += p.text;
    seen.push(fed);
  }
  assert.equal(out, "Thanks for the note, Ada Lovelace will reply.");
  // Ordinary words went out as they arrived: the first four chunks were each passed on at once.
  assert.deepEqual(seen.slice(0, 4), ["Thanks", "Thanks for", "Thanks for the", "Thanks for the note"]);
});

test("a response written all in lower case is still recased piece by piece: its names are found", async () => {
  const r = await run("ok so yesterday i met john smith at the station and we talked for a while about the trip.", 3);
  assert.ok(!r.text.includes("john smith"), r.text);
  assert.ok(r.text.includes("<PERSON>"), r.text);
});
