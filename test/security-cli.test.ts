// The keys and audit commands through runCli (as cli.ts will register them): create / list /
// revoke / rotate-master, verify before and after tampering, proofs checked offline, tail, and
// hostile arguments answered with one clear error.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { test } from "node:test";
import Database from "better-sqlite3";
import fc from "fast-check";
import { auditCommands } from "../src/cli/commands/audit.ts";
import { keysCommands } from "../src/cli/commands/keys.ts";
import { runCli } from "../src/cli/run.ts";
import { SecurityKernel } from "../src/security/index.ts";

const commands = [...keysCommands, ...auditCommands];

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const sink = (f: (s: string) => void) => new Writable({ write(chunk, _e, cb) { f(String(chunk)); cb(); } });
  const code = await runCli(commands, args, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), debug: false });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), "llmos-cli-sec-"));
const D = ["--data-dir", dir];
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("keys create / list / revoke, recorded on the ledger", async () => {
  const c = await cli(["keys", "create", "--role", "analyst", "--tenant", "acme", "--name", "ana", ...D]);
  assert.equal(c.code, 0, c.err);
  const key = c.out.trim();
  assert.match(key, /^llmos_[0-9a-f]{12}_[0-9a-f]{64}$/);
  assert.match(c.err, /shown only this once/);
  const id = key.split("_")[1]!;
  const list = await cli(["keys", "list", "--json", ...D]);
  const rows = JSON.parse(list.out) as { id: string; role: string; revoked: string | null }[];
  assert.deepEqual(rows.map((r) => [r.id, r.role, r.revoked]), [[id, "analyst", null]]);
  assert.ok(!list.out.includes(key.slice(19)), "no secret in the listing");
  assert.match((await cli(["keys", "list", ...D])).out, /ID\s+ROLE\s+TENANT/);
  assert.equal((await cli(["keys", "revoke", id, ...D])).code, 0);
  const k = SecurityKernel.open({ dataDir: dir, env: {} });
  try {
    assert.throws(() => k.identity.authenticate(key), /revoked/);
  } finally {
    k.close();
  }
  const tail = await cli(["audit", "tail", "-n", "5", "--json", ...D]);
  assert.deepEqual(tail.out.trim().split("\n").map((l) => (JSON.parse(l) as { action: string }).action), ["keys.create", "keys.revoke"]);
});

test("keys rotate-master re-wraps the stored data keys", async () => {
  const k = SecurityKernel.open({ dataDir: dir, env: {} });
  const sealed = k.cipher.seal(new TextEncoder().encode("private"), "dataset:x");
  k.close();
  const r = await cli(["keys", "rotate-master", ...D]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /re-wrapped 1 data keys/);
  const again = SecurityKernel.open({ dataDir: dir, env: {} });
  try {
    assert.equal(new TextDecoder().decode(again.cipher.open(sealed, "dataset:x")), "private");
  } finally {
    again.close();
  }
});

test("audit verify, proof (inclusion and consistency) checked offline with only the head, tampering found", async () => {
  const k = SecurityKernel.open({ dataDir: dir, env: {}, signEvery: 4 });
  for (let i = 0; i < 9; i++) k.ledger.append({ who: "t", action: "test.event", resource: `dataset:d${i}`, tenant: "acme", decision: "allow" });
  k.close();
  const ok = await cli(["audit", "verify", ...D]);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /^ok: 1[0-9] entries/);
  const head = await cli(["audit", "head", ...D]);
  const headFile = join(dir, "head.json");
  writeFileSync(headFile, head.out);
  assert.equal((await cli(["audit", "verify", "--head", headFile, ...D])).code, 0);
  const size = (JSON.parse(head.out) as { size: number }).size;
  const proof = await cli(["audit", "proof", "--entry", "3", ...D]);
  assert.equal(proof.code, 0, proof.err);
  const p = JSON.parse(proof.out) as Record<string, unknown>;
  assert.deepEqual(Object.keys(p).sort(), ["entry", "head", "leaf_hash", "leaf_index", "path", "root_hash", "tree_size", "type"]);
  assert.equal(p.tree_size, size);
  writeFileSync(join(dir, "incl.json"), proof.out);
  const check = await cli(["audit", "check", join(dir, "incl.json"), "--head", headFile]);
  assert.equal(check.code, 0, check.err);
  assert.match(check.out, /entry 3 is in the signed tree/);
  const cons = await cli(["audit", "proof", "--consistency", "4", String(size), ...D]);
  writeFileSync(join(dir, "cons.json"), cons.out);
  assert.equal((await cli(["audit", "check", join(dir, "cons.json"), "--head", headFile])).code, 0);
  // A proof edited by hand fails the offline check.
  writeFileSync(join(dir, "bad.json"), proof.out.replace('"leaf_index": 3', '"leaf_index": 2'));
  const bad = await cli(["audit", "check", join(dir, "bad.json"), "--head", headFile]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /does not lead to the head's root/);
  // Tamper with the database directly: verify names the entry and fails.
  const db = new Database(join(dir, "llmos.db"));
  db.prepare("UPDATE audit_entries SET entry = replace(entry, 'dataset:d5', 'dataset:d6') WHERE entry LIKE '%dataset:d5%'").run();
  const idx = (db.prepare("SELECT idx FROM audit_entries WHERE entry LIKE '%dataset:d6%' ORDER BY idx").pluck().all() as number[])[0]!;
  db.close();
  assert.equal((await cli(["audit", "verify", "--head", headFile, ...D])).code, 1);
  writeFileSync(join(dir, "junk.json"), "[1,2]");
  const junk = await cli(["audit", "verify", "--head", join(dir, "junk.json"), ...D]);
  assert.equal(junk.code, 2);
  assert.match(junk.err, /--head/);
  const failed = await cli(["audit", "verify", ...D]);
  assert.equal(failed.code, 1);
  assert.match(failed.out, new RegExp(`changed\\s+${idx}\\s`));
  const json = JSON.parse((await cli(["audit", "verify", "--json", ...D])).out) as { ok: boolean; problems: { kind: string; index: number }[] };
  assert.equal(json.ok, false);
  assert.ok(json.problems.some((x) => x.kind === "changed" && x.index === idx));
});

test("bad arguments give one clear error and exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["keys", "create", "--tenant", "acme", ...D], /--role/],
    [["keys", "create", "--role", "root", "--tenant", "acme", ...D], /role/],
    [["keys", "create", "--role", "user", "--tenant", "../../etc", ...D], /tenant/],
    [["keys", "revoke", "../x", ...D], /id/],
    [["keys", "revoke", "0123456789ab", ...D], /unknown key/],
    [["audit", "proof", ...D], /--entry N or --consistency/],
    [["audit", "proof", "--entry", "-1", ...D], /--entry/],
    [["audit", "proof", "--entry", "1e99", ...D], /--entry/],
    [["audit", "proof", "--entry", "99999", ...D], /entry/],
    [["audit", "proof", "--consistency", "0", ...D], /--consistency/],
    [["audit", "tail", "-n", "abc", ...D], /-n|--n/],
    [["audit", "verify", "--bogus", ...D], /bogus/],
  ];
  for (const [args, re] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, re);
    assert.equal(r.err.trim().split("\n").length, 1, r.err);
  }
});

test("property: random argument vectors never crash the parsers (exit 0, 1 or 2 with one error line)", async () => {
  const word = fc.oneof(fc.constantFrom("--entry", "--consistency", "--size", "-n", "--role", "--tenant", "--json", "1", "0", "-5", "acme", "../..", "\u0000", "9".repeat(30)), fc.string({ maxLength: 12 }));
  await fc.assert(fc.asyncProperty(fc.constantFrom(["audit", "proof"], ["audit", "tail"], ["keys", "create"], ["keys", "revoke"]), fc.array(word, { maxLength: 6 }), async (cmd, rest) => {
    const r = await cli([...cmd, ...rest, ...D]);
    assert.ok([0, 1, 2].includes(r.code), `${r.code}`);
    if (r.code !== 0) assert.match(r.err, /^llmos: error: /);
  }), { numRuns: 60 });
  assert.equal((await cli(["audit", "verify", ...D])).code, 1, "still the earlier tampering, nothing new broken");
});
