// The request path: policy resolution, message guarding (content, parts, tool calls), blocking,
// and the streaming guard (re-identification across chunks, output scan, fail closed).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Analyzer,
  DEFAULT_REMOTE_POLICY,
  guardMessages,
  guardOutput,
  guardStream,
  parseTenantPiiPolicy,
  PiiBlockedError,
  PiiGuardError,
  PseudonymMap,
  resolvePolicy,
  type PiiPolicy,
} from "../src/privacy/pii/index.ts";
import type { StreamPart } from "../src/runtime/stream.ts";

const analyzer = new Analyzer();
const CANARY = { name: "John Smith", email: "canary.7f3k@example.com", card: "4111 1111 1111 1111", ssn: "123-45-6788" };

test("remote models default to pseudonymize; per-model and local policies win where set", () => {
  const tenant = parseTenantPiiPolicy({ local: { default: "allow" }, models: { "gpt-x": { default: "redact" } } });
  assert.deepEqual(resolvePolicy(undefined, { name: "any", remote: true }), DEFAULT_REMOTE_POLICY);
  assert.equal(resolvePolicy(tenant, { name: "other", remote: true }).default, "pseudonymize");
  assert.equal(resolvePolicy(tenant, { name: "gpt-x", remote: true }).default, "redact");
  assert.equal(resolvePolicy(tenant, { name: "llama", remote: false }).default, "allow");
  assert.throws(() => parseTenantPiiPolicy({ remote: { default: "maybe" } }), /remote\.default/);
});

test("guardMessages pseudonymizes content, text parts and tool-call arguments (still valid JSON)", () => {
  const messages = [
    { role: "system", content: "You are helpful." },
    { role: "user", content: `I am ${CANARY.name}, mail ${CANARY.email}` },
    { role: "user", content: [{ type: "text", text: `card ${CANARY.card}` }] },
    { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: JSON.stringify({ ssn: CANARY.ssn, who: CANARY.name }) } }] },
  ];
  const r = guardMessages(messages, { analyzer, policy: DEFAULT_REMOTE_POLICY });
  const all = JSON.stringify(r.messages);
  for (const v of Object.values(CANARY)) assert.ok(!all.includes(v), `canary ${v.slice(0, 4)}… leaked`);
  const args = JSON.parse(r.messages[3]!.tool_calls![0]!.function.arguments) as { ssn: string; who: string };
  assert.equal(args.who, r.pseudonyms.surrogate("PERSON", CANARY.name), "same surrogate across messages");
  assert.equal(r.messages[0]!.content, "You are helpful.");
  assert.ok(r.counts.PERSON! >= 2 && r.counts.EMAIL_ADDRESS === 1 && r.counts.CREDIT_CARD === 1 && r.counts.US_SSN === 1);
  assert.equal(r.messages[3]!.tool_calls![0]!.id, "c1");
});

test("block throws PiiBlockedError naming the type, never the value", () => {
  const policy: PiiPolicy = { default: "allow", entities: { US_SSN: "block" }, reidentify: true };
  assert.throws(
    () => guardMessages([{ role: "user", content: `my ssn ${CANARY.ssn}` }], { analyzer, policy }),
    (e: unknown) => e instanceof PiiBlockedError && e.status === 403 && e.entityType === "US_SSN" && !e.message.includes(CANARY.ssn) && !JSON.stringify(e.data).includes(CANARY.ssn),
  );
});

async function* parts(chunks: string[]): AsyncIterable<StreamPart> {
  for (const text of chunks) yield { type: "text-delta", text };
  yield { type: "finish", finishReason: "stop", usage: { promptTokens: 1, completionTokens: chunks.length } };
}

async function collect(it: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const out: StreamPart[] = [];
  for await (const p of it) out.push(p);
  return out;
}
const textOf = (ps: StreamPart[]) => ps.map((p) => (p.type === "text-delta" ? p.text : "")).join("");

test("stream re-identifies a surrogate split over chunks, holding back at most the longest surrogate", async () => {
  const map = new PseudonymMap();
  const s = map.surrogate("PERSON", CANARY.name);
  const answer = `Hello ${s}, your order is ready. Thanks, ${s}!`;
  const chunks = answer.match(/.{1,3}/gs)!;
  let fed = 0;
  let emitted = 0;
  async function* source(): AsyncIterable<StreamPart> {
    for (const c of chunks) {
      fed += c.length;
      yield { type: "text-delta", text: c };
    }
    yield { type: "finish", finishReason: "stop", usage: { promptTokens: 1, completionTokens: 1 } };
  }
  const out: StreamPart[] = [];
  for await (const p of guardStream(source(), { pseudonyms: map, reidentify: true })) {
    if (p.type === "text-delta") {
      emitted += p.text.replaceAll(CANARY.name, s).length;
      assert.ok(fed - emitted <= map.longestSurrogate, `held ${fed - emitted} > ${map.longestSurrogate}`);
    }
    out.push(p);
  }
  assert.equal(textOf(out), answer.replaceAll(s, CANARY.name));
  assert.equal(out.at(-1)!.type, "finish");
});

test("without reidentify the caller sees surrogates; output scan redacts PII the model made up", async () => {
  const map = new PseudonymMap();
  const s = map.surrogate("PERSON", CANARY.name);
  const policy: PiiPolicy = { default: "redact", entities: {}, reidentify: false };
  const out = await collect(guardStream(parts([`Dear ${s}, write to leak`, "ed@corp.example.com today."]), { pseudonyms: map, reidentify: false, analyzer, policy, minHoldback: 32 }));
  const text = textOf(out);
  assert.ok(text.includes(s) && !text.includes(CANARY.name));
  assert.ok(!text.includes("leaked@corp.example.com") && text.includes("<EMAIL_ADDRESS>"), text);
});

test("fail closed: a guard error ends the stream with an error part and no raw text", async () => {
  const map = new PseudonymMap();
  map.surrogate("PERSON", CANARY.name);
  const broken = { analyze() { throw new Error("boom"); } } as unknown as Analyzer;
  const policy: PiiPolicy = { default: "redact", entities: {}, reidentify: true };
  const out = await collect(guardStream(parts([`secret ${CANARY.email} `, "more text here"]), { pseudonyms: map, reidentify: true, analyzer: broken, policy }));
  assert.equal(out.length, 1);
  assert.equal(out[0]!.type, "error");
  assert.ok(out[0]!.type === "error" && out[0]!.error instanceof PiiGuardError && !out[0]!.error.message.includes(CANARY.email));
});

test("guardOutput re-identifies a whole response and throws PiiGuardError when the scan fails", () => {
  const map = new PseudonymMap();
  const s = map.surrogate("PERSON", CANARY.name);
  assert.equal(guardOutput(`Hi ${s}`, { pseudonyms: map, reidentify: true }), `Hi ${CANARY.name}`);
  const broken = { analyze() { throw new Error("boom"); } } as unknown as Analyzer;
  assert.throws(() => guardOutput("x", { pseudonyms: map, reidentify: true, analyzer: broken, policy: DEFAULT_REMOTE_POLICY }), PiiGuardError);
});

test("a runtime error mid-stream is passed on as an error part", async () => {
  async function* failing(): AsyncIterable<StreamPart> {
    yield { type: "text-delta", text: "partial " };
    throw new Error("runtime died");
  }
  const out = await collect(guardStream(failing(), { pseudonyms: new PseudonymMap(), reidentify: true }));
  assert.equal(out.at(-1)!.type, "error");
});
