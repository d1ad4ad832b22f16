// Principals on SQLite: keys hashed with scrypt, authenticate / revoke / list, the verified-key
// cache, and the first-start bootstrap (generated, or LLMOS_ADMIN_KEY).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../store/index.ts";
import { AuthenticationError } from "../errors.ts";
import { checkSecret, hashSecret, newApiKey, parseApiKey } from "./apikey.ts";
import { IdentityStore } from "./store.ts";

const FAST = { N: 2 ** 10, r: 8, p: 1 }; // tests only: production uses DEFAULT_SCRYPT (N = 2^15)

function store(now = () => 1_700_000_000_000) {
  const db = openDatabase(":memory:");
  return { db, ids: IdentityStore.open(db, { scrypt: FAST, now }) };
}

test("create returns the key once; only an scrypt hash is stored; authenticate finds the principal", () => {
  const { db, ids } = store();
  const { key, principal } = ids.create({ role: "analyst", tenant: "acme", name: "ana" });
  assert.match(key, /^llmos_[0-9a-f]{12}_[0-9a-f]{64}$/);
  const secret = parseApiKey(key)!.secret;
  const dump = JSON.stringify(db.prepare("SELECT * FROM identity_principals").all());
  assert.ok(!dump.includes(secret), "the secret is not stored");
  assert.match(dump, /scrypt\$1024\$8\$1\$/);
  assert.deepEqual(ids.authenticate(key), { id: principal.id, tenant: "acme", role: "analyst" });
  assert.equal(ids.get(principal.id)?.name, "ana");
  assert.deepEqual(ids.tenants(), ["acme"]);
  assert.equal(ids.list().length, 1);
});

test("wrong, malformed and revoked keys are 401 without echoing the key", () => {
  const { ids } = store();
  const { key, principal } = ids.create({ role: "user", tenant: "acme" });
  const wrong = key.slice(0, -1) + (key.endsWith("0") ? "1" : "0");
  for (const bad of [wrong, "", "Bearer x", "llmos_zz_zz", `${key}x`, "x".repeat(10_000)]) {
    assert.throws(() => ids.authenticate(bad), (e: unknown) => e instanceof AuthenticationError && e.status === 401 && !e.message.includes(bad.slice(6, 30) || "\u0000"));
  }
  ids.authenticate(key); // now cached
  ids.revoke(principal.id);
  assert.throws(() => ids.authenticate(key), /revoked/);
  assert.equal(ids.list().length, 0);
  assert.equal(ids.list({ includeRevoked: true })[0]!.revoked !== null, true);
  assert.throws(() => ids.revoke("000000000000"), /unknown key/);
});

test("a revocation by another connection (the CLI) takes effect on the next request despite the cache", () => {
  const dir = mkdtempSync(join(tmpdir(), "llmos-ids-"));
  const a = IdentityStore.open(openDatabase(join(dir, "llmos.db")), { scrypt: FAST });
  const b = IdentityStore.open(openDatabase(join(dir, "llmos.db")), { scrypt: FAST });
  try {
    const { key, principal } = a.create({ role: "user", tenant: "acme" });
    a.authenticate(key);
    b.revoke(principal.id);
    assert.throws(() => a.authenticate(key), AuthenticationError);
  } finally {
    a.db.close();
    b.db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the cache skips scrypt only for the exact key and only until it expires", () => {
  let now = 0;
  const { ids } = store(() => now);
  const { key } = ids.create({ role: "user", tenant: "acme" });
  ids.authenticate(key);
  now += 59_000;
  ids.authenticate(key);
  now += 2_000;
  ids.authenticate(key); // re-verified with scrypt after expiry
  const other = key.slice(0, -2) + "00";
  if (other !== key) assert.throws(() => ids.authenticate(other), AuthenticationError);
});

test("bootstrap creates one admin on the first start, or takes LLMOS_ADMIN_KEY", () => {
  const { ids } = store();
  const first = ids.bootstrap();
  assert.ok(first && first.principal.role === "admin" && first.principal.tenant === "default");
  assert.equal(ids.bootstrap(), undefined, "second start creates nothing");
  const env = newApiKey().key;
  const fromEnv = ids.bootstrap(env);
  assert.equal(fromEnv?.key, env);
  assert.equal(ids.authenticate(env).role, "admin");
  assert.equal(ids.bootstrap(env), undefined);
  assert.throws(() => ids.bootstrap("secret123"), /LLMOS_ADMIN_KEY/);
});

test("create refuses bad roles, tenant names with path traversal, and odd names", () => {
  const { ids } = store();
  assert.throws(() => ids.create({ role: "root" as never, tenant: "acme" }), /role/);
  for (const tenant of ["../etc", "", "A", "a/b", "x".repeat(64), "a b", "é"]) {
    assert.throws(() => ids.create({ role: "user", tenant }), /tenant/, tenant);
  }
  assert.throws(() => ids.create({ role: "user", tenant: "acme", name: "a\nb" }), /name/);
});

test("property: parseApiKey accepts exactly the keys newApiKey makes; scrypt round trips", () => {
  for (let i = 0; i < 20; i++) {
    const k = newApiKey();
    assert.deepEqual(parseApiKey(k.key), { id: k.id, secret: k.secret });
  }
  fc.assert(fc.property(fc.string({ maxLength: 120 }), (s) => {
    const p = parseApiKey(s);
    if (p) assert.equal(s, `llmos_${p.id}_${p.secret}`);
  }));
  const h = hashSecret("abc", FAST);
  assert.ok(checkSecret("abc", h));
  assert.ok(!checkSecret("abd", h));
  assert.throws(() => checkSecret("abc", "plain"), /scrypt/);
});
