// The OS service end to end: a real `llmos serve` with the shipped model, driven by the openai client.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import OpenAI from "openai";
import { newAdminKey, runLlmos, serverEnv, startServer, type RunningServer } from "./helpers/server.ts";
import { tempDir } from "./helpers/tmp.ts";

const KEY = newAdminKey();
const GGUF = "models/default/model.gguf";
const dir = tempDir();
let server: RunningServer;
let client: OpenAI;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...(init.headers ?? {}) } });

before(async () => {
  // The registry is usable from the CLI before the server starts, on the same SQLite file.
  for (let i = 0; i < 2; i++) assert.equal((await runLlmos(["models", "add", GGUF, "--name", "support-bot", "--data-dir", dir])).code, 0);
  assert.equal((await runLlmos(["models", "alias", "support-bot@prod", "1", "--data-dir", dir])).code, 0);
  server = await startServer(["--data-dir", dir, "--threads", "1"], serverEnv(KEY));
  client = new OpenAI({ apiKey: KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

test("chat completion: JSON and SSE agree, with usage and finish_reason", async () => {
  const messages = [{ role: "system" as const, content: "You answer briefly." }, { role: "user" as const, content: "What is the state of the Union?" }];
  const r = await client.chat.completions.create({ model: "default", messages, max_tokens: 24, temperature: 0 });
  assert.equal(r.object, "chat.completion");
  assert.equal(r.choices[0]!.message.role, "assistant");
  assert.ok(r.choices[0]!.message.content!.length > 0);
  assert.ok(["stop", "length"].includes(r.choices[0]!.finish_reason));
  assert.equal(r.usage!.total_tokens, r.usage!.prompt_tokens + r.usage!.completion_tokens);

  const stream = await client.chat.completions.create({ model: "default", messages, max_tokens: 24, temperature: 0, stream: true, stream_options: { include_usage: true } });
  let text = "", role = "", finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of stream) {
    assert.equal(chunk.object, "chat.completion.chunk");
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      if (c.delta.role) role = c.delta.role;
      text += c.delta.content ?? "";
      finish = c.finish_reason ?? finish;
    }
  }
  assert.equal(role, "assistant");
  assert.equal(text, r.choices[0]!.message.content);
  assert.equal(finish, r.choices[0]!.finish_reason);
  assert.deepEqual(usage, r.usage);
});

test("the raw SSE stream is OpenAI's: data lines, blank-line separated, ending with [DONE]", async () => {
  const res = await api("/v1/completions", { method: "POST", body: JSON.stringify({ model: "default", prompt: "Our economy", max_tokens: 5, temperature: 0, stream: true }) });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^text\/event-stream/);
  const body = await res.text();
  const events = body.split("\n\n").filter(Boolean);
  assert.ok(events.every((e) => e.startsWith("data: ")));
  assert.equal(events.at(-1), "data: [DONE]");
  for (const e of events.slice(0, -1)) assert.equal(JSON.parse(e.slice(6)).object, "text_completion");
});

test("embeddings are unit vectors, one per input", async () => {
  const r = await client.embeddings.create({ model: "default", input: ["the Congress", "our economy grows"] });
  assert.equal(r.data.length, 2);
  for (const d of r.data) {
    assert.equal(d.embedding.length, 128);
    assert.ok(Math.abs(Math.hypot(...d.embedding) - 1) < 1e-4);
  }
  assert.ok(r.usage.prompt_tokens > 0);
});

test("registry references: name, name:version, name@alias; the API moves aliases and refuses removing a target", async () => {
  const ids = (await client.models.list()).data.map((m) => m.id).sort();
  assert.deepEqual(ids, ["default", "support-bot"]);
  for (const model of ["support-bot", "support-bot:2", "support-bot@prod"]) {
    const r = await client.completions.create({ model, prompt: "The Congress", max_tokens: 3, temperature: 0 });
    assert.equal(r.model, model);
  }
  await assert.rejects(client.completions.create({ model: "support-bot:9", prompt: "x" }), OpenAI.NotFoundError);
  await assert.rejects(client.completions.create({ model: "support-bot@staging", prompt: "x" }), OpenAI.NotFoundError);
  const moved = await api("/v1/os/models/support-bot/aliases/prod", { method: "PUT", body: JSON.stringify({ version: 2 }) });
  assert.equal(moved.status, 200);
  assert.deepEqual(((await moved.json()) as { aliases: string[] }).aliases, ["prod"]);
  const refused = await api("/v1/os/models/support-bot/versions/2", { method: "DELETE" });
  assert.equal(refused.status, 409);
  assert.equal((await api("/v1/os/models/support-bot/versions/1", { method: "DELETE" })).status, 204);
  const shown = (await (await api("/v1/os/models/support-bot@prod")).json()) as { version: number; architecture: string; quantization: string; context_length: number };
  assert.deepEqual([shown.version, shown.architecture, shown.quantization, shown.context_length], [2, "llama", "F16", 256]);
});

test("registry changes from another process (the CLI) reach the running server at once, though resolution is cached", async () => {
  for (let i = 0; i < 2; i++) assert.equal((await runLlmos(["models", "add", GGUF, "--name", "cli-bot", "--data-dir", dir])).code, 0);
  const complete = (model: string) => client.completions.create({ model, prompt: "The Congress", max_tokens: 2, temperature: 0 });
  assert.equal((await complete("cli-bot:1")).model, "cli-bot:1"); // now cached
  await assert.rejects(complete("cli-bot@live"), OpenAI.NotFoundError);
  assert.equal((await runLlmos(["models", "alias", "cli-bot@live", "1", "--data-dir", dir])).code, 0);
  assert.equal((await complete("cli-bot@live")).model, "cli-bot@live");
  assert.equal((await runLlmos(["models", "alias", "cli-bot@live", "--remove", "--data-dir", dir])).code, 0);
  assert.equal((await runLlmos(["models", "remove", "cli-bot:1", "--data-dir", dir])).code, 0);
  await assert.rejects(complete("cli-bot:1"), OpenAI.NotFoundError);
  await assert.rejects(complete("cli-bot@live"), OpenAI.NotFoundError);
  assert.equal((await complete("cli-bot")).model, "cli-bot");
});

test("pipelines: chain, router, fallback and ensemble are models called by name", async () => {
  const define = async (def: object) => {
    const r = await api("/v1/os/pipelines", { method: "POST", body: JSON.stringify(def) });
    assert.equal(r.status, 201, await r.clone().text());
  };
  // A remote model whose upstream is down: the fallback must skip it.
  const dead = await api("/v1/os/models", { method: "POST", body: JSON.stringify({ name: "dead-upstream", remote: { base_url: "http://127.0.0.1:9/v1", model: "x" } }) });
  assert.equal(dead.status, 201);
  await define({ name: "summarise-then-expand", kind: "chain", steps: [{ model: "default", template: "Summary of {{input}}:", max_tokens: 8 }, { model: "support-bot", template: "{{previous}} Therefore" }] });
  await define({ name: "triage", kind: "router", routes: [{ when: { contains: ["invoice"] }, model: "support-bot" }], default: "default" });
  await define({ name: "resilient", kind: "fallback", models: ["dead-upstream", "default"] });
  await define({ name: "panel", kind: "ensemble", models: ["default", "support-bot", "default"], pick: "vote" });
  const ids = (await client.models.list()).data.map((m) => m.id);
  for (const p of ["summarise-then-expand", "triage", "resilient", "panel"]) assert.ok(ids.includes(p), p);

  const chain = await client.completions.create({ model: "summarise-then-expand", prompt: "the budget", max_tokens: 6, temperature: 0 });
  assert.ok(chain.usage!.completion_tokens > 6, "usage covers both steps");
  const direct = await client.chat.completions.create({ model: "default", messages: [{ role: "user", content: "hello" }], max_tokens: 6, temperature: 0 });
  const routed = await client.chat.completions.create({ model: "triage", messages: [{ role: "user", content: "hello" }], max_tokens: 6, temperature: 0 });
  assert.equal(routed.choices[0]!.message.content, direct.choices[0]!.message.content);
  const fell = await client.chat.completions.create({ model: "resilient", messages: [{ role: "user", content: "hello" }], max_tokens: 6, temperature: 0 });
  assert.equal(fell.choices[0]!.message.content, direct.choices[0]!.message.content);
  const panel = await client.chat.completions.create({ model: "panel", messages: [{ role: "user", content: "hello" }], max_tokens: 6, temperature: 0 });
  assert.equal(panel.choices[0]!.message.content, direct.choices[0]!.message.content);
  assert.equal(panel.usage!.completion_tokens, 3 * direct.usage!.completion_tokens);

  const bad = await api("/v1/os/pipelines", { method: "POST", body: JSON.stringify({ name: "x", kind: "chain", steps: [] }) });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /steps/);
  const clash = await api("/v1/os/pipelines", { method: "POST", body: JSON.stringify({ name: "default", kind: "fallback", models: ["a", "b"] }) });
  assert.equal(clash.status, 409);
});

test("bad input gets a clear 4xx naming what was wrong, and the server keeps serving", async () => {
  const cases: [string, string | Buffer, number, RegExp][] = [
    ["/v1/chat/completions", "{not json", 400, /not valid JSON/],
    ["/v1/chat/completions", Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), 400, /UTF-8/],
    ["/v1/chat/completions", "", 400, /empty/],
    ["/v1/chat/completions", "[]", 400, /JSON object/],
    ["/v1/chat/completions", JSON.stringify({ model: "default", messages: "hi" }), 400, /messages/],
    ["/v1/chat/completions", JSON.stringify({ model: "default", messages: [{ role: "user", content: 5 }] }), 400, /messages\.0\.content/],
    ["/v1/chat/completions", JSON.stringify({ model: "default", messages: [{ role: "wizard", content: "x" }] }), 400, /messages\.0\.role/],
    ["/v1/chat/completions", JSON.stringify({ model: "default", messages: [{ role: "user", content: "x" }], n: 2 }), 400, /n = 1/],
    ["/v1/chat/completions", JSON.stringify({ model: "default", messages: [{ role: "user", content: "x" }], temperature: "hot" }), 400, /temperature/],
    ["/v1/chat/completions", JSON.stringify({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }), 404, /unknown model/],
    ["/v1/chat/completions", JSON.stringify({ model: "../../etc/passwd", messages: [{ role: "user", content: "x" }] }), 400, /model/],
    ["/v1/completions", JSON.stringify({ model: "default", prompt: "word ".repeat(2000) }), 413, /prompt length/],
    ["/v1/completions", JSON.stringify({ model: "default", prompt: "x".repeat(10 << 20) }), 413, /request body in bytes/],
    ["/v1/embeddings", JSON.stringify({ model: "default", input: [] }), 400, /input/],
  ];
  for (const [path, body, status, message] of cases) {
    const r = await api(path, { method: "POST", body });
    assert.equal(r.status, status, `${path} ${String(body).slice(0, 60)}`);
    const e = (await r.json()) as { error: { message: string; type: string; code: string } };
    assert.match(e.error.message, message);
    assert.ok(e.error.type && e.error.code);
  }
  const ok = await client.completions.create({ model: "default", prompt: "The Congress", max_tokens: 2 });
  assert.equal(ok.choices.length, 1);
});

test("a client that disconnects mid-stream frees its slot at once", async () => {
  await new Promise<void>((resolve, reject) => {
    const req = request(`${server.url}/v1/completions`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" } }, (res) => {
      res.once("data", () => {
        req.destroy();
        resolve();
      });
    });
    req.on("error", () => undefined);
    req.end(JSON.stringify({ model: "default", prompt: "The", max_tokens: 200, temperature: 1, stream: true }));
    setTimeout(() => reject(new Error("no data")), 20_000).unref();
  });
  // The slot comes back: the queue drains to zero active generations.
  for (let i = 0; i < 50; i++) {
    const s = (await (await api("/v1/os/scheduler")).json()) as { queues: { active: number; queued: number }[] };
    if (s.queues.every((q) => q.active === 0 && q.queued === 0)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`the disconnected generation still holds its slot: ${await (await api("/v1/os/scheduler")).text()}`);
});
