// The security kernel in the running service: keys and roles, tenant isolation (404 across tenants),
// every generation on a ledger that verifies, TLS, and hostile bodies that always get a 4xx.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { get } from "node:https";
import { join } from "node:path";
import fc from "fast-check";
import { createCa, issueCertificate } from "../src/security/index.ts";
import { newAdminKey, runLlmos, serverEnv, startServer, type RunningServer } from "./helpers/server.ts";
import { tempDir } from "./helpers/tmp.ts";
import { writeFileSync } from "node:fs";

const ADMIN = newAdminKey();
const dir = tempDir();
const data = join(dir, "data");
let server: RunningServer;
const keys: Record<string, { key: string; id: string }> = {};

const call = (key: string | undefined, method: string, path: string, body?: unknown) =>
  fetch(`${server.url}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });

const chat = (key: string, model: string, content = "Tell me about the Congress.") =>
  call(key, "POST", "/v1/chat/completions", { model, messages: [{ role: "user", content }], max_tokens: 8, temperature: 0 });

before(async () => {
  assert.equal((await runLlmos(["models", "add", "models/default/model.gguf", "--name", "acme-bot", "--tenant", "acme", "--data-dir", data])).code, 0);
  server = await startServer(["--data-dir", data], serverEnv(ADMIN));
  for (const [name, role, tenant] of [["acmeOwner", "data-owner", "acme"], ["acmeUser", "user", "acme"], ["globexOwner", "data-owner", "globex"]] as const) {
    const r = await call(ADMIN, "POST", "/v1/os/keys", { role, tenant });
    assert.equal(r.status, 201, await r.clone().text());
    keys[name] = (await r.json()) as { key: string; id: string };
  }
});

after(async () => server?.stop());

test("another tenant's model is invisible: 404 everywhere, and absent from /v1/models", async () => {
  const mine = (await (await call(keys.acmeUser!.key, "GET", "/v1/models")).json()) as { data: { id: string }[] };
  assert.deepEqual(mine.data.map((m) => m.id).sort(), ["acme-bot", "default"]);
  assert.equal((await chat(keys.acmeUser!.key, "acme-bot")).status, 200);

  const theirs = (await (await call(keys.globexOwner!.key, "GET", "/v1/models")).json()) as { data: { id: string }[] };
  assert.deepEqual(theirs.data.map((m) => m.id), ["default"]);
  const g = keys.globexOwner!.key;
  for (const r of [
    await chat(g, "acme-bot"),
    await call(g, "GET", "/v1/os/models/acme-bot"),
    await call(g, "PUT", "/v1/os/models/acme-bot/aliases/prod", { version: 1 }),
    await call(g, "DELETE", "/v1/os/models/acme-bot/versions/1"),
  ]) {
    assert.equal(r.status, 404);
    assert.equal(((await r.json()) as { error: { type: string } }).error.type, "not_found_error");
  }
  // The shared default model serves every tenant.
  assert.equal((await chat(g, "default")).status, 200);
});

test("roles: a user may generate but not change models or pipelines; admins only read the scheduler", async () => {
  const u = keys.acmeUser!.key;
  assert.equal((await call(u, "POST", "/v1/os/pipelines", { name: "p", kind: "fallback", models: ["acme-bot", "default"] })).status, 403);
  assert.equal((await call(u, "PUT", "/v1/os/models/acme-bot/aliases/prod", { version: 1 })).status, 403);
  assert.equal((await call(u, "GET", "/v1/os/scheduler")).status, 403);
  const owner = keys.acmeOwner!.key;
  assert.equal((await call(owner, "PUT", "/v1/os/models/acme-bot/aliases/prod", { version: 1 })).status, 200);
  assert.equal((await call(owner, "POST", "/v1/os/pipelines", { name: "acme-pipe", kind: "fallback", models: ["acme-bot", "default"] })).status, 201);
  assert.equal((await chat(u, "acme-pipe")).status, 200);
  assert.equal((await chat(keys.globexOwner!.key, "acme-pipe")).status, 404);
});

test("the admin key given in LLMOS_ADMIN_KEY is never printed", () => {
  assert.ok(!server.stderr().includes(ADMIN.split("_")[2]!));
  assert.match(server.stderr(), /registered the admin API key from LLMOS_ADMIN_KEY/);
});

test("no key, a wrong key and a revoked key are 401", async () => {
  assert.equal((await call(undefined, "GET", "/v1/models")).status, 401);
  assert.equal((await call(newAdminKey(), "GET", "/v1/models")).status, 401);
  const r = await call(ADMIN, "POST", "/v1/os/keys", { role: "user", tenant: "acme" });
  const k = (await r.json()) as { key: string; id: string };
  assert.equal((await call(k.key, "GET", "/v1/models")).status, 200);
  assert.equal((await call(ADMIN, "DELETE", `/v1/os/keys/${k.id}`)).status, 200);
  assert.equal((await call(k.key, "GET", "/v1/models")).status, 401);
  // The failures are on the ledger under the keys' public ids, never with a secret.
  const wrong = newAdminKey();
  assert.equal((await call(wrong, "GET", "/v1/models")).status, 401);
  const tail = (await (await call(ADMIN, "GET", "/v1/os/audit/tail?n=50")).json()) as { data: { action: string; resource: string; decision: string }[] };
  const fails = tail.data.filter((e) => e.action === "auth.fail");
  assert.ok(fails.some((e) => e.resource === `key:${wrong.split("_")[1]}` && e.decision === "deny"), JSON.stringify(fails));
  assert.ok(fails.some((e) => e.resource === `key:${k.id}`));
  assert.ok(!JSON.stringify(tail).includes(wrong.split("_")[2]!) && !JSON.stringify(tail).includes(k.key.split("_")[2]!));
});

test("hostile bodies at every endpoint get a 4xx; the server keeps serving and the ledger verifies", async () => {
  const endpoints = ["/v1/completions", "/v1/chat/completions", "/v1/embeddings", "/v1/os/models", "/v1/os/pipelines", "/v1/os/keys"];
  const hostile = fc.oneof(
    fc.jsonValue(),
    fc.record({ model: fc.oneof(fc.string(), fc.constant("../../etc/passwd"), fc.constant("default")), prompt: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), messages: fc.anything() }, { requiredKeys: [] }),
    fc.string().map((s) => `{"model": ${s}`),
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...endpoints), hostile, async (path, body) => {
      const r = await call(keys.acmeUser!.key, "POST", path, typeof body === "string" ? body : JSON.stringify(body) ?? "null");
      // 200 only for the rare random body that is a valid request.
      assert.ok((r.status >= 400 && r.status < 500) || r.status === 200, `${path} answered ${r.status}`);
      const text = await r.text();
      if (r.status >= 400) assert.ok((JSON.parse(text) as { error: { message: string } }).error.message);
    }),
    { numRuns: 150, seed: 42 },
  );
  assert.equal((await chat(keys.acmeUser!.key, "default")).status, 200);
  const v = await runLlmos(["audit", "verify", "--data-dir", data]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
});

test("generations are on the ledger with hashes only; a canary prompt appears in no stored file", async () => {
  const canary = "Zebulon Quackenbush 4111-1111-1111-1111 canary@example.org";
  assert.equal((await chat(keys.acmeUser!.key, "default", `My details: ${canary}`)).status, 200);
  const tail = await runLlmos(["audit", "tail", "-n", "50", "--json", "--data-dir", data]);
  assert.equal(tail.code, 0, tail.stderr);
  const events = tail.stdout.trim().split("\n").flatMap((l) => { try { const j = JSON.parse(l); return Array.isArray(j) ? j : [j]; } catch { return []; } }) as { action: string; inputHash?: string; outputHash?: string }[];
  const gens = events.filter((e) => e.action === "model.generate");
  assert.ok(gens.length > 0 && gens.every((e) => /^[0-9a-f]{64}$/.test(e.inputHash!)));
  assert.ok(events.some((e) => e.action === "model.generate.end" && /^[0-9a-f]{64}$/.test(e.outputHash!)));
  const files = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? files(join(d, f)) : [join(d, f)]));
  for (const f of files(data)) {
    const bytes = readFileSync(f).toString("latin1");
    for (const part of ["Quackenbush", "4111-1111-1111-1111", "canary@example.org"]) assert.ok(!bytes.includes(part), `${part} found in ${f}`);
  }
  assert.ok(!server.stderr().includes("Quackenbush"));
});

test("TLS: the server speaks HTTPS with --tls-cert/--tls-key; a public address without TLS is refused", async () => {
  const ca = await createCa("llmos test CA");
  const cred = await issueCertificate(ca, { commonName: "localhost", dns: ["localhost"], ips: ["127.0.0.1"], usage: "server" });
  writeFileSync(join(dir, "cert.pem"), cred.certPem);
  writeFileSync(join(dir, "key.pem"), cred.keyPem);
  const tls = await startServer(["--data-dir", join(dir, "tls"), "--tls-cert", join(dir, "cert.pem"), "--tls-key", join(dir, "key.pem")], serverEnv(newAdminKey()));
  try {
    assert.match(tls.url, /^https:/);
    const status = await new Promise<number>((resolve, reject) => get(`${tls.url}/health`, { ca: ca.certPem }, (res) => { res.resume(); resolve(res.statusCode!); }).on("error", reject));
    assert.equal(status, 200);
  } finally {
    await tls.stop();
  }
  const refused = await runLlmos(["serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", join(dir, "pub")]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /not a loopback address and TLS is not configured/);
});
