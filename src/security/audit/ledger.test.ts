// The ledger on SQLite: durable appends, reopening, proofs checked with only the signed head, and
// tampering through a second connection (UPDATE / DELETE / INSERT / swap) reported by index.
import assert from "node:assert/strict";
import { chmodSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { hexToBytes } from "@noble/hashes/utils.js";
import { ed25519 } from "@noble/curves/ed25519.js";
import { LedgerKeys } from "./keys.ts";
import { headMessage, AuditLedger } from "./ledger.ts";
import { leafHash, verifyConsistency, verifyInclusion } from "./merkle.ts";
import { consistencyProofJson, inclusionProofJson } from "./proofs.ts";
import { sampleEvent, tempLedger, type TempLedger } from "./testing.ts";
import { verifyLedger, type VerifyReport } from "./verify.ts";
import { openDatabase } from "../../store/index.ts";

/** n entries in one transaction (one fsync: keeps the suite fast); heads still every 4 entries. */
function filled(n = 20): TempLedger {
  const t = tempLedger(4);
  t.ledger.appendBatch(Array.from({ length: n }, (_, i) => sampleEvent(i)));
  return t;
}
const kinds = (r: VerifyReport) => r.problems.map((p) => `${p.kind}@${p.index}`);
function tamper(t: TempLedger, sql: string, ...params: unknown[]): void {
  const other = new Database(t.dbPath);
  other.prepare(sql).run(...params);
  other.close();
}

test("appends are stored, heads signed every 4 entries, and a fresh ledger verifies", () => {
  const t = tempLedger(4);
  for (let i = 0; i < 10; i++) assert.equal(t.ledger.append(sampleEvent(i)).index, i);
  try {
    assert.equal(t.ledger.size, 10);
    assert.deepEqual(t.ledger.heads().map((h) => h.size), [4, 8]);
    const r = verifyLedger(t.ledger);
    assert.deepEqual(r.problems, []);
    assert.equal(r.ok, true);
    assert.equal(r.headsChecked, 2);
    const e = JSON.parse(t.ledger.entry(3).entry) as Record<string, unknown>;
    assert.equal(e.seq, 3);
    assert.equal(e.who, "key-0");
    assert.equal(statSync(join(t.dir, "audit-signing.key")).mode & 0o777, 0o600);
  } finally {
    t.close();
  }
});

test("the entry is canonical JSON of known fields only; bad events are refused with the field named", () => {
  const t = tempLedger();
  try {
    t.ledger.append({ ...sampleEvent(1), detail: { z: 1, a: "x" }, extra: "raw prompt" } as never);
    const text = t.ledger.entry(0).entry;
    assert.match(text, /^\{"action":"dataset.read","decision":"allow","detail":\{"a":"x","z":1\},"resource"/);
    assert.doesNotMatch(text, /raw prompt/);
    assert.throws(() => t.ledger.append({ ...sampleEvent(1), who: "" }), /who/);
    assert.throws(() => t.ledger.append({ ...sampleEvent(1), epsilon: Number.NaN }), /epsilon/);
    assert.throws(() => t.ledger.append({ ...sampleEvent(1), inputHash: "abc" }), /inputHash/);
    assert.throws(() => t.ledger.append({ ...sampleEvent(1), decision: "maybe" as never }), /decision/);
    assert.throws(() => t.ledger.append({ ...sampleEvent(1), tenant: "x".repeat(10_000) }), /tenant/);
    assert.throws(() => t.ledger.append({ ...sampleEvent(1), resource: "a\uD800b" }), /resource/);
    assert.equal(t.ledger.size, 1, "refused events leave no trace");
  } finally {
    t.close();
  }
});

test("reopening restores the frontier; proofs verify with only the published head and public key", () => {
  const t = filled(23);
  try {
    const again = t.reopen();
    assert.equal(again.size, 23);
    assert.deepEqual(again.root(), t.ledger.root());
    again.append(sampleEvent(23));
    assert.deepEqual(verifyLedger(again).problems, []);
    for (const index of [0, 5, 15, 23]) {
      const p = inclusionProofJson(again, index);
      // An auditor's check: signature over the head, leaf from the entry text, path to the head's root.
      assert.ok(ed25519.verify(hexToBytes(p.head.signature), new TextEncoder().encode(headMessage(p.head)), hexToBytes(p.head.publicKey)));
      assert.equal(Buffer.from(leafHash(new TextEncoder().encode(p.entry))).toString("hex"), p.leaf_hash);
      assert.ok(verifyInclusion(hexToBytes(p.leaf_hash), p.leaf_index, p.tree_size, p.path.map(hexToBytes), hexToBytes(p.root_hash)), `entry ${index}`);
    }
    const c = consistencyProofJson(again, 8, 20);
    assert.equal(c.first_head?.size, 8);
    assert.ok(verifyConsistency(c.first, c.second, hexToBytes(c.first_head!.root), hexToBytes(c.second_head.root), c.path.map(hexToBytes)));
    assert.throws(() => consistencyProofJson(again, 8, 21), /no signed head at size 21/);
    assert.throws(() => inclusionProofJson(again, 24), /entry/);
  } finally {
    t.close();
  }
});

test("two ledgers on two connections (server and CLI) interleave appends and the log stays whole", () => {
  const t = filled(3);
  try {
    const second = AuditLedger.open(openDatabase(t.dbPath), { keys: LedgerKeys.forDataDir(t.dir), signEvery: 4 });
    for (let i = 0; i < 6; i++) (i % 2 ? t.ledger : second).append(sampleEvent(100 + i));
    assert.equal(t.ledger.signHead().size, 9);
    assert.deepEqual(verifyLedger(t.ledger).problems, []);
    second.db.close();
  } finally {
    t.close();
  }
});

test("UPDATE of an entry's content is reported as changed at its index, with or without its leaf hash", () => {
  const t = filled();
  try {
    tamper(t, "UPDATE audit_entries SET entry = replace(entry, '\"deny\"', '\"allow\"') WHERE idx = 7");
    const first = verifyLedger(t.ledger);
    assert.deepEqual(kinds(first), ["changed@7", "head@8", "head@12", "head@16", "head@20"]);
    const text = t.ledger.entry(7).entry;
    tamper(t, "UPDATE audit_entries SET leaf = ? WHERE idx = 7", leafHash(new TextEncoder().encode(text)));
    const r = verifyLedger(t.ledger);
    assert.equal(r.ok, false);
    assert.ok(kinds(r).includes("changed@7"), kinds(r).join(" "));
    assert.ok(kinds(r).includes("head@8"), "every later signed head breaks");
  } finally {
    t.close();
  }
});

test("DELETE is reported as deleted at its index, also when later rows are renumbered", () => {
  const t = filled();
  try {
    tamper(t, "DELETE FROM audit_entries WHERE idx = 11");
    assert.ok(kinds(verifyLedger(t.ledger)).includes("deleted@11"));
    tamper(t, "UPDATE audit_entries SET idx = idx - 1 WHERE idx > 11");
    const r = verifyLedger(t.ledger);
    assert.ok(kinds(r).includes("deleted@11"), kinds(r).join(" "));
    assert.ok(kinds(r).includes("reordered@11"));
  } finally {
    t.close();
  }
});

test("truncating the tail is caught by the signed heads", () => {
  const t = filled();
  try {
    tamper(t, "DELETE FROM audit_entries WHERE idx >= 17");
    const r = verifyLedger(t.ledger);
    assert.deepEqual(kinds(r), ["deleted@17"]);
    assert.match(r.problems[0]!.message, /size 20/);
  } finally {
    t.close();
  }
});

test("INSERT of a forged row, at the end or in the middle, is reported as inserted", () => {
  const t = filled();
  try {
    const text = t.ledger.entry(19).entry.replace('"seq":19', '"seq":20');
    tamper(t, "INSERT INTO audit_entries (idx, entry, leaf, nodes, mac) VALUES (20, ?, ?, x'', x'00')", text, leafHash(new TextEncoder().encode(text)));
    assert.deepEqual(kinds(verifyLedger(t.ledger)), ["inserted@20"]);
    tamper(t, "DELETE FROM audit_entries WHERE idx = 20");
    // Make room at 5 by shifting 5.. up by one (highest first, for the primary key), then insert.
    const db = new Database(t.dbPath);
    for (let i = 19; i >= 5; i--) db.prepare("UPDATE audit_entries SET idx = idx + 1 WHERE idx = ?").run(i);
    db.prepare("INSERT INTO audit_entries (idx, entry, leaf, nodes, mac) VALUES (5, ?, ?, x'', x'00')").run(text, leafHash(new TextEncoder().encode(text)));
    db.close();
    const r = verifyLedger(t.ledger);
    assert.ok(kinds(r).includes("inserted@5"), kinds(r).join(" "));
    assert.ok(kinds(r).includes("reordered@6"));
  } finally {
    t.close();
  }
});

test("swapping two rows is reported as reordered at both indexes", () => {
  const t = filled();
  try {
    const db = new Database(t.dbPath);
    db.prepare("UPDATE audit_entries SET idx = -1 WHERE idx = 3").run();
    db.prepare("UPDATE audit_entries SET idx = 3 WHERE idx = 9").run();
    db.prepare("UPDATE audit_entries SET idx = 9 WHERE idx = -1").run();
    db.close();
    const r = verifyLedger(t.ledger);
    assert.ok(kinds(r).includes("reordered@3") && kinds(r).includes("reordered@9"), kinds(r).join(" "));
    // Swapping only the contents (the MACs stay) makes both rows changed.
    const u = filled();
    const a = u.ledger.entry(2).entry;
    const b = u.ledger.entry(6).entry;
    tamper(u, "UPDATE audit_entries SET entry = ? WHERE idx = 2", b);
    tamper(u, "UPDATE audit_entries SET entry = ? WHERE idx = 6", a);
    const s = verifyLedger(u.ledger);
    assert.deepEqual(kinds(s).filter((k) => !k.startsWith("head")), ["changed@2", "changed@6"]);
    u.close();
  } finally {
    t.close();
  }
});

test("altered stored hashes, heads and signatures are reported", () => {
  const t = filled();
  try {
    tamper(t, "UPDATE audit_entries SET nodes = zeroblob(length(nodes)) WHERE idx = 15");
    assert.deepEqual(kinds(verifyLedger(t.ledger)), ["changed@15"]);
  } finally {
    t.close();
  }
  const u = filled();
  try {
    tamper(u, "UPDATE audit_heads SET root = zeroblob(32) WHERE size = 12");
    assert.deepEqual(kinds(verifyLedger(u.ledger)), ["head@12"]);
    tamper(u, "UPDATE audit_heads SET signature = zeroblob(64) WHERE size = 16");
    assert.deepEqual(kinds(verifyLedger(u.ledger)), ["head@12", "head@16"]);
  } finally {
    u.close();
  }
});

test("the key file must not be readable by others", () => {
  const t = tempLedger();
  try {
    chmodSync(join(t.dir, "audit-signing.key"), 0o644);
    assert.throws(() => LedgerKeys.forDataDir(t.dir), /chmod 600/);
  } finally {
    t.close();
  }
});

test("a head published elsewhere catches a truncation whose local heads were removed too", () => {
  const t = filled();
  try {
    const published = { ...t.ledger.latestHead()!, publicKey: Buffer.from(t.ledger.keys.publicKey).toString("hex") };
    tamper(t, "DELETE FROM audit_entries WHERE idx >= 13");
    tamper(t, "DELETE FROM audit_heads WHERE size > 13");
    assert.equal(verifyLedger(t.ledger).ok, true, "locally consistent: only an outside copy can tell");
    const r = verifyLedger(t.ledger, { published: [published] });
    assert.deepEqual(kinds(r), ["deleted@13"]);
    const forged = { ...published, root: "00".repeat(32) };
    const u = filled();
    assert.deepEqual(kinds(verifyLedger(u.ledger, { published: [forged] })), ["head@20"]);
    u.close();
  } finally {
    t.close();
  }
});

test("a ledger whose stored nodes were destroyed still opens for verify, and refuses appends", () => {
  const t = filled(16);
  try {
    tamper(t, "DELETE FROM audit_entries WHERE idx = 15");
    tamper(t, "UPDATE audit_entries SET nodes = x'' WHERE idx = 13");
    const reopened = t.reopen();
    assert.equal(reopened.size, 15);
    assert.throws(() => reopened.append(sampleEvent(99)), /subtree hash/);
    const r = verifyLedger(reopened);
    assert.ok(kinds(r).includes("deleted@15") && kinds(r).includes("changed@13"), kinds(r).join(" "));
  } finally {
    t.close();
  }
});

test("grouped appends interleave with durable ones in one chain that verifies after flush()", async () => {
  const t = tempLedger(4);
  try {
    for (let i = 0; i < 9; i++) {
      const r = i % 3 ? t.ledger.appendGrouped(sampleEvent(i)) : t.ledger.append(sampleEvent(i));
      assert.equal(r.index, i);
    }
    await t.ledger.flush();
    assert.equal(t.db.pragma("synchronous", { simple: true }), 2);
    assert.deepEqual(t.ledger.heads().map((h) => h.size), [4, 8]);
    assert.equal(verifyLedger(t.reopen()).ok, true);
  } finally {
    t.close();
  }
});
