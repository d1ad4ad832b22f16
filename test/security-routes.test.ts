// The /v1/os security routes behind the hook: keys by role, audit head and proofs that verify,
// tenant-scoped tail, contracts attached and read, every refusal in OpenAI's error shape.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Fastify from "fastify";
import { hexToBytes } from "@noble/hashes/utils.js";
import { toOpenAiError } from "../src/server/errors.ts";
import { SecurityKernel, securityHook, securityRoutes, verifyInclusion, verifyLedger } from "../src/security/index.ts";

test("security routes: keys, audit and contracts with tenant isolation", async () => {
  const dir = mkdtempSync(join(tmpdir(), "llmos-routes-"));
  const kernel = SecurityKernel.open({ dataDir: dir, env: {}, scrypt: { N: 1024, r: 8, p: 1 }, signEvery: 4 });
  const app = Fastify({ logger: false });
  app.setErrorHandler((error, _req, reply) => {
    const { status, body } = toOpenAiError(error);
    void reply.status(status).send(body);
  });
  app.addHook("onRequest", securityHook({ identity: kernel.identity }));
  securityRoutes(app, kernel);
  const call = (key: string, method: "GET" | "POST" | "PUT" | "DELETE", url: string, payload?: unknown) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  try {
    const admin = kernel.bootstrap()!.key;
    const mk = async (role: string, tenant: string) => {
      const r = await call(admin, "POST", "/v1/os/keys", { role, tenant });
      assert.equal(r.statusCode, 201, r.body);
      return (r.json() as { key: string; id: string });
    };
    const owner = await mk("data-owner", "acme");
    const analyst = await mk("analyst", "acme");
    const rival = await mk("data-owner", "globex");
    assert.equal((await call(analyst.key, "POST", "/v1/os/keys", { role: "admin", tenant: "acme" })).statusCode, 403);
    assert.equal((await call(rival.key, "DELETE", `/v1/os/keys/${owner.id}`)).statusCode, 404, "another tenant's key is invisible");
    assert.equal((await call(admin, "POST", "/v1/os/keys", { role: "root", tenant: "acme" })).json().error.param, "role");
    const terms = { purposes: ["inference"], models: { local: true, remote: [] }, piiPolicy: "pseudonymize" };
    const put = await call(owner.key, "PUT", "/v1/os/contracts/dataset/patients", terms);
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(put.json().version, 1);
    assert.equal((await call(analyst.key, "PUT", "/v1/os/contracts/dataset/patients", terms)).statusCode, 403);
    assert.equal((await call(owner.key, "PUT", "/v1/os/contracts/dataset/patients", { ...terms, piiPolicy: "raw" })).statusCode, 400);
    assert.equal((await call(analyst.key, "GET", "/v1/os/contracts/dataset/patients")).json().data.length, 1);
    assert.equal((await call(rival.key, "GET", "/v1/os/contracts/dataset/patients")).json().data.length, 0, "globex has its own namespace");
    // Audit: the owner sees acme's events only; proofs verify against the signed head.
    const tail = (await call(owner.key, "GET", "/v1/os/audit/tail?n=50")).json().data as { tenant: string; seq: number }[];
    assert.ok(tail.length > 0 && tail.every((e) => e.tenant === "acme"));
    assert.equal((await call(analyst.key, "GET", "/v1/os/audit/tail")).statusCode, 403);
    const head = (await call(owner.key, "GET", "/v1/os/audit/head")).json();
    const seq = tail[0]!.seq;
    const proof = (await call(owner.key, "GET", `/v1/os/audit/proof?entry=${seq}&size=${head.size}`)).json();
    assert.ok(verifyInclusion(hexToBytes(proof.leaf_hash), proof.leaf_index, proof.tree_size, proof.path.map(hexToBytes), hexToBytes(head.root)));
    const globexSeq = ((await call(admin, "GET", "/v1/os/audit/tail?n=50")).json().data as { tenant: string; seq: number }[]).find((e) => e.tenant === "globex")!.seq;
    assert.equal((await call(owner.key, "GET", `/v1/os/audit/proof?entry=${globexSeq}`)).statusCode, 404);
    for (const q of ["entry=-1", "entry=abc", "entry=99999999", "first=0", "entry=1&size=1e3"]) {
      const r = await call(owner.key, "GET", `/v1/os/audit/proof?${q}`);
      assert.ok([400, 404].includes(r.statusCode), `${q}: ${r.statusCode}`);
    }
    assert.equal((await call(admin, "POST", "/v1/os/audit/verify")).json().ok, true);
    assert.equal((await call(owner.key, "POST", "/v1/os/audit/verify")).statusCode, 403);
    assert.equal(verifyLedger(kernel.ledger).ok, true);
  } finally {
    await app.close();
    kernel.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
