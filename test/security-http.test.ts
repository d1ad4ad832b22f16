// The security hook in a real fastify app with the server's error mapping: 401 / 429 (Retry-After)
// in OpenAI's error shape, the principal on the request, /health open, tenant isolation as 404.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Fastify from "fastify";
import fc from "fast-check";
import { toOpenAiError } from "../src/server/errors.ts";
import { authorize, identityAuthenticator, RateLimiter, SecurityKernel, securityHook } from "../src/security/index.ts";

const failures: { keyId: string | undefined; reason: string }[] = [];

function app(kernel: SecurityKernel, now: () => number) {
  const a = Fastify({ logger: false });
  a.setErrorHandler((error, _req, reply) => {
    const { status, body } = toOpenAiError(error);
    void reply.status(status).send(body);
  });
  a.addHook("onRequest", securityHook({ identity: kernel.identity, limiter: new RateLimiter({ capacity: 2, refillPerSecond: 1 }, now), failureLimiter: new RateLimiter({ capacity: 3, refillPerSecond: 0.1 }, now), onFailure: (f) => failures.push(f) }));
  a.get("/health", async () => ({ ok: true }));
  a.get("/whoami", async (req) => req.principal);
  a.get("/datasets/:tenant/:id", async (req) => {
    const { tenant, id } = req.params as { tenant: string; id: string };
    authorize(req.principal, "read", { kind: "dataset", tenant, id });
    return { id };
  });
  return a;
}

test("securityHook: 401 / 200 / 429 with Retry-After / 404 across tenants, in OpenAI's error shape", async () => {
  const dir = mkdtempSync(join(tmpdir(), "llmos-http-"));
  const kernel = SecurityKernel.open({ dataDir: dir, env: {}, scrypt: { N: 1024, r: 8, p: 1 } });
  let now = 0;
  const a = app(kernel, () => now);
  try {
    const admin = kernel.bootstrap()!;
    assert.equal(kernel.bootstrap(), undefined);
    const analyst = kernel.createKey({ id: admin.principal.id, tenant: "default", role: "admin" }, { role: "analyst", tenant: "acme" });
    assert.equal((await a.inject({ url: "/health" })).statusCode, 200);
    const missing = await a.inject({ url: "/whoami" });
    assert.equal(missing.statusCode, 401);
    assert.deepEqual(Object.keys(missing.json().error).sort(), ["code", "message", "param", "type"]);
    assert.equal(missing.json().error.type, "authentication_error");
    const ok = await a.inject({ url: "/whoami", headers: { authorization: `Bearer ${analyst.key}` } });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { id: analyst.principal.id, tenant: "acme", role: "analyst" });
    const own = await a.inject({ url: "/datasets/acme/patients", headers: { authorization: `Bearer ${analyst.key}` } });
    assert.equal(own.statusCode, 200);
    const limited = await a.inject({ url: "/datasets/globex/patients", headers: { authorization: `Bearer ${analyst.key}` } });
    assert.equal(limited.statusCode, 429, "third request in the same instant");
    assert.equal(limited.headers["retry-after"], "1");
    assert.equal(limited.json().error.type, "rate_limit_error");
    now += 1000;
    const other = await a.inject({ url: "/datasets/globex/patients", headers: { authorization: `Bearer ${analyst.key}` } });
    assert.equal(other.statusCode, 404);
    assert.equal(other.json().error.type, "not_found_error");
    // Made-up keys: three 401s, then the address is refused before any scrypt work.
    const fake = analyst.key.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
    for (let i = 0; i < 3; i++) assert.equal((await a.inject({ url: "/whoami", headers: { authorization: `Bearer ${fake}` } })).statusCode, 401);
    const blocked = await a.inject({ url: "/whoami", headers: { authorization: `Bearer ${fake}` } });
    assert.equal(blocked.statusCode, 429);
    assert.ok(!blocked.body.includes(fake.slice(19)), "the key is never echoed");
    // Each let-through failure is reported once with the key's public id; the refused one is not.
    assert.deepEqual(failures, Array.from({ length: 3 }, () => ({ keyId: analyst.principal.id, reason: "invalid" })));
    for (const h of ["Basic abc", "Bearer", "Bearer a b", `bearer  ${"x".repeat(100_000)}`]) {
      const r = await a.inject({ url: "/whoami", headers: { authorization: h } });
      assert.ok(r.statusCode === 401 || r.statusCode === 429, `${h.slice(0, 20)} → ${r.statusCode}`);
    }
    // The Authenticator shape for buildServer({ authenticate }).
    const auth = identityAuthenticator(kernel.identity);
    assert.equal(auth(`Bearer ${admin.key}`).role, "admin");
    assert.throws(() => auth(undefined), /missing API key/);
    // Key operations are on the ledger without the key itself.
    const log = JSON.stringify(kernel.ledger.tail(10));
    assert.match(log, /keys.bootstrap.*keys.create/);
    assert.ok(!log.includes(analyst.key.slice(19)) && !log.includes(admin.key.slice(19)));
  } finally {
    await a.close();
    kernel.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("property: hostile Authorization headers and paths always get a clear 401/404/429 and the server keeps serving", async () => {
  const dir = mkdtempSync(join(tmpdir(), "llmos-http-"));
  const kernel = SecurityKernel.open({ dataDir: dir, env: {}, scrypt: { N: 1024, r: 8, p: 1 } });
  const a = Fastify({ logger: false });
  a.setErrorHandler((error, _req, reply) => {
    const { status, body } = toOpenAiError(error);
    void reply.status(status).send(body);
  });
  a.addHook("onRequest", securityHook({ identity: kernel.identity, failureLimiter: new RateLimiter({ capacity: 1e9, refillPerSecond: 1 }) }));
  a.get("/health", async () => ({ ok: true }));
  a.get("/x", async () => ({ ok: true }));
  try {
    const admin = kernel.bootstrap()!;
    const header = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ maxLength: 80 }).map((s) => `Bearer ${s}`),
      fc.constantFrom(`Bearer ${admin.key}x`, `Bearer ${admin.key.toUpperCase()}`, `Bearer llmos_${"0".repeat(12)}_${"0".repeat(64)}`, "Bearer \u00ff\u00fe", `Bearer ${"a".repeat(9000)}`),
    );
    await fc.assert(fc.asyncProperty(header, fc.constantFrom("/x", "/x?y=1", "/../x", "/x%00"), async (h, url) => {
      let r;
      try {
        r = await a.inject({ url, headers: { authorization: h } });
      } catch {
        return; // a header that Node itself refuses to send (control characters) never reaches the server
      }
      assert.ok([401, 404, 429].includes(r.statusCode), `${r.statusCode} for ${JSON.stringify(h.slice(0, 40))}`);
      assert.equal(typeof r.json().error.message, "string");
    }), { numRuns: 150 });
    assert.equal((await a.inject({ url: "/x", headers: { authorization: `Bearer ${admin.key}` } })).statusCode, 200, "still serving");
    assert.equal((await a.inject({ url: "/health" })).statusCode, 200);
  } finally {
    await a.close();
    kernel.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("LLMOS_ADMIN_KEY becomes the bootstrap admin key; a malformed one is refused by name", () => {
  const dir = mkdtempSync(join(tmpdir(), "llmos-boot-"));
  try {
    const key = `llmos_${"ab".repeat(6)}_${"cd".repeat(32)}`;
    const k = SecurityKernel.open({ dataDir: dir, env: { LLMOS_ADMIN_KEY: key }, scrypt: { N: 1024, r: 8, p: 1 } });
    assert.equal(k.bootstrap()?.key, key);
    assert.equal(k.identity.authenticate(key).role, "admin");
    k.close();
    const bad = SecurityKernel.open({ dataDir: dir, env: { LLMOS_ADMIN_KEY: "hunter2hunter2" } });
    assert.throws(() => bad.bootstrap(), (e: unknown) => e instanceof Error && /LLMOS_ADMIN_KEY/.test(e.message) && !e.message.includes("hunter2"));
    bad.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
