// `llmos serve` as a real process, driven by the official openai client.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { tempDir } from "./helpers/tmp.ts";
import { trainTiny, writeTinyGguf } from "./helpers/tiny-gguf.ts";
import { newAdminKey, serverEnv } from "./helpers/server.ts";

const KEY = newAdminKey();
let server: ChildProcess;
let baseURL = "";
let client: OpenAI;

// At top level: tempDir's after() hook registered inside before() would run as soon as before() ends.
const dir = tempDir();

before(async () => {
  const tiny = await trainTiny(40);
  const gguf = await writeTinyGguf(dir, tiny, "q8_0");
  tiny.model.dispose();
  const bin = fileURLToPath(new URL("../bin/llmos.js", import.meta.url));
  server = spawn(process.execPath, [bin, "serve", "--port", "0", "--data-dir", dir, "--model", gguf], {
    env: { ...process.env, ...serverEnv(KEY) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  baseURL = await new Promise<string>((resolve, reject) => {
    let err = "";
    server.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /on (http:\/\/\S+)/.exec(err);
      if (m) resolve(`${m[1]}/v1`);
    });
    server.on("exit", (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  client = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0 });
});

after(() => {
  server?.kill("SIGTERM");
});

test("health needs no key; everything else does", async () => {
  const h = await fetch(baseURL.replace("/v1", "/health"));
  assert.equal(h.status, 200);
  const bad = new OpenAI({ apiKey: "wrong-key", baseURL, maxRetries: 0 });
  await assert.rejects(bad.models.list(), (e: unknown) => e instanceof OpenAI.AuthenticationError);
  const none = await fetch(`${baseURL}/models`);
  assert.equal(none.status, 401);
});

test("models.list and a non-streaming completion with usage", async () => {
  const models = await client.models.list();
  assert.deepEqual(models.data.map((m) => m.id), ["tiny-q8_0"]);
  const r = await client.completions.create({ model: "tiny-q8_0", prompt: "The Congress", max_tokens: 8, temperature: 0 });
  assert.equal(r.object, "text_completion");
  assert.equal(typeof r.choices[0]!.text, "string");
  assert.ok(["stop", "length"].includes(r.choices[0]!.finish_reason));
  assert.ok(r.usage!.prompt_tokens > 0);
  assert.equal(r.usage!.total_tokens, r.usage!.prompt_tokens + r.usage!.completion_tokens);
  // Greedy decoding is deterministic.
  const again = await client.completions.create({ model: "tiny-q8_0", prompt: "The Congress", max_tokens: 8, temperature: 0 });
  assert.equal(again.choices[0]!.text, r.choices[0]!.text);
});

test("streaming sends chunks then usage then [DONE], and equals the non-streamed text", async () => {
  const stream = await client.completions.create({
    model: "tiny-q8_0", prompt: "The Congress", max_tokens: 8, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  let text = "";
  let usage: OpenAI.CompletionUsage | undefined;
  let finish: string | null = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.text;
      finish = c.finish_reason ?? finish;
    }
  }
  const plain = await client.completions.create({ model: "tiny-q8_0", prompt: "The Congress", max_tokens: 8, temperature: 0 });
  assert.equal(text, plain.choices[0]!.text);
  assert.ok(finish === "length" || finish === "stop");
  assert.equal(usage?.completion_tokens, plain.usage!.completion_tokens);
});

test("errors use OpenAI's shape and status", async () => {
  await assert.rejects(client.completions.create({ model: "nope", prompt: "x" }), (e: unknown) => e instanceof OpenAI.NotFoundError);
  await assert.rejects(
    client.completions.create({ model: "tiny-q8_0", prompt: "x", max_tokens: -3 }),
    (e: unknown) => e instanceof OpenAI.BadRequestError && /max_tokens/.test(e.message),
  );
  const malformed = await fetch(`${baseURL}/completions`, {
    method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: "{not json",
  });
  assert.equal(malformed.status, 400);
  const body = (await malformed.json()) as { error: { message: string; type: string } };
  assert.equal(body.error.type, "invalid_request_error");
  const huge = await fetch(`${baseURL}/completions`, {
    method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "tiny-q8_0", prompt: "x".repeat(2 << 20) }),
  });
  assert.equal(huge.status, 413);
});

test("a client-side abort ends the stream and the server keeps serving", async () => {
  const ac = new AbortController();
  const stream = await client.completions.create(
    { model: "tiny-q8_0", prompt: "The", max_tokens: 100, temperature: 1, stream: true }, { signal: ac.signal },
  );
  let chunks = 0;
  try {
    for await (const _ of stream) {
      if (++chunks === 2) ac.abort();
    }
  } catch (e) {
    assert.ok(e instanceof OpenAI.APIUserAbortError, String(e));
  }
  assert.ok(chunks < 20, `the stream went on after the abort (${chunks} chunks)`);
  const r = await client.completions.create({ model: "tiny-q8_0", prompt: "The", max_tokens: 2, temperature: 0 });
  assert.ok(r.choices.length === 1);
});
