// Invariant 1 end to end: unique canary values sent through chat (JSON and SSE), errors, a remote model
// and the dataset path never reach the remote model, a stored file or a log line in the clear.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { newAdminKey, runLlmos, serverEnv, startServer, type RunningServer } from "./helpers/server.ts";
import { tempDir } from "./helpers/tmp.ts";

const NAME = "Zebulon Quackenbush", EMAIL = "zq.canary@example.org", CARD = "4111 1111 1111 1111", SSN = "536-90-4399";
const CANARIES = [NAME, "Quackenbush", EMAIL, CARD, "4111111111111111", SSN];
const SENTENCE = `My name is ${NAME}, email ${EMAIL}, card ${CARD}, SSN ${SSN}.`;

const dir = tempDir();
const KEY_A = newAdminKey(), KEY_B = newAdminKey();
let upstream: RunningServer, server: RunningServer, proxy: Server;
const seenByUpstream: string[] = [];

const call = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { method: body === undefined ? "GET" : "POST", headers: { authorization: `Bearer ${KEY_B}`, "content-type": "application/json", ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

before(async () => {
  upstream = await startServer(["--data-dir", join(dir, "a")], serverEnv(KEY_A));
  // A recording proxy in front of the real upstream: what a remote provider would receive.
  const target = new URL(upstream.url);
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      seenByUpstream.push(body.toString("utf8"));
      const out = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      });
      out.end(body);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`;
  server = await startServer(["--data-dir", join(dir, "b")], { ...serverEnv(KEY_B), UPSTREAM_KEY: KEY_A });
  const added = await call("/v1/os/models", { name: "remote-bot", remote: { base_url: proxyUrl, model: "default", api_key_env: "UPSTREAM_KEY", context_length: 256 } });
  assert.equal(added.status, 201, await added.clone().text());
});

after(async () => {
  await server?.stop();
  await upstream?.stop();
  proxy?.close();
});

const chat = (model: string, stream: boolean, extra: object = {}, headers: Record<string, string> = {}) =>
  call("/v1/chat/completions", { model, messages: [{ role: "user", content: SENTENCE }], max_tokens: 12, temperature: 0, stream, ...extra }, headers);

test("a remote model receives pseudonyms, never the canaries; the caller gets an answer", async () => {
  for (const stream of [false, true]) {
    const r = await chat("remote-bot", stream);
    assert.equal(r.status, 200, await r.clone().text());
    await r.text();
  }
  assert.ok(seenByUpstream.length >= 2);
  for (const body of seenByUpstream) for (const c of CANARIES) assert.ok(!body.includes(c), `the upstream saw '${c}'`);
  // The surrogates are realistic values, not empty: the prompt still carries an e-mail and a card.
  assert.match(seenByUpstream[0]!, /@example\.(com|org|net)/);
});

test("local chat (JSON and SSE), errors and blocked types never echo a canary", async () => {
  for (const stream of [false, true]) assert.equal((await chat("default", stream)).status, 200);
  const bad = await chat("default", false, { temperature: "hot" });
  assert.equal(bad.status, 400);
  const missing = await chat("no-such-model", false);
  assert.equal(missing.status, 404);
  for (const r of [bad, missing]) {
    const text = await r.text();
    for (const c of CANARIES) assert.ok(!text.includes(c), `an error echoed '${c}'`);
  }
  const policy = await fetch(`${server.url}/v1/os/pii/policy`, { method: "PUT", headers: { authorization: `Bearer ${KEY_B}`, "content-type": "application/json" }, body: JSON.stringify({ local: { default: "pseudonymize", entities: { CREDIT_CARD: "block" } } }) });
  assert.equal(policy.status, 200, await policy.clone().text());
  const blocked = await chat("default", true);
  assert.equal(blocked.status, 403);
  const err = ((await blocked.json()) as { error: { message: string; code: string } }).error;
  assert.equal(err.code, "pii_blocked");
  assert.match(err.message, /CREDIT_CARD/);
  for (const c of CANARIES) assert.ok(!err.message.includes(c));
});

test("pseudonyms are consistent within a conversation and re-identified only for the vault's readers", async () => {
  const headers = { "x-llmos-conversation": "case-42" };
  const a = (await (await call("/v1/os/pii/anonymize", { text: `Patient ${NAME} called.`, operator: "pseudonymize", conversation: "case-42" }, headers)).json()) as { text: string };
  const b = (await (await call("/v1/os/pii/anonymize", { text: `${NAME} again.`, operator: "pseudonymize", conversation: "case-42" })).json()) as { text: string };
  assert.ok(!a.text.includes("Quackenbush"));
  const surrogate = a.text.replace(/^Patient /, "").replace(/ called\.$/, "");
  assert.ok(b.text.startsWith(surrogate), `${a.text} / ${b.text}`);
  const back = (await (await call("/v1/os/pii/deanonymize", { text: b.text, conversation: "case-42" })).json()) as { text: string };
  assert.equal(back.text, `${NAME} again.`);
  const userKey = ((await (await call("/v1/os/keys", { role: "user", tenant: "default" })).json()) as { key: string }).key;
  const refused = await fetch(`${server.url}/v1/os/pii/deanonymize`, { method: "POST", headers: { authorization: `Bearer ${userKey}`, "content-type": "application/json" }, body: JSON.stringify({ text: b.text, conversation: "case-42" }) });
  assert.equal(refused.status, 403);
});

test("the dataset path: a scrubbed corpus holds no canary", async () => {
  const input = join(dir, "notes.jsonl");
  writeFileSync(input, `${JSON.stringify({ text: SENTENCE })}\n${JSON.stringify({ text: "Nothing personal here." })}\n`);
  const out = join(dir, "b", "notes.scrubbed.jsonl");
  const r = await runLlmos(["data", "scrub", input, out, "--report", join(dir, "b", "report.json")]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(join(dir, "b", "report.json"), "utf8")) as { counts?: Record<string, number> };
  assert.ok(JSON.stringify(report).includes("EMAIL_ADDRESS"));
  assert.equal(readFileSync(out, "utf8").split("\n").filter(Boolean).length, 2);
});

test("no canary in any file under either data directory, nor in any log line", async () => {
  const files = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? files(join(d, f)) : [join(d, f)]));
  for (const f of [...files(join(dir, "a")), ...files(join(dir, "b"))]) {
    const bytes = readFileSync(f).toString("latin1");
    for (const c of CANARIES) assert.ok(!bytes.includes(c), `'${c}' found in ${f}`);
  }
  const logs = server.stderr() + upstream.stderr();
  assert.ok(logs.includes('"route":"/v1/chat/completions"'), "the access log records requests");
  for (const c of CANARIES) assert.ok(!logs.includes(c), `'${c}' in a log line`);
});
