// Property: any sequence of appends verifies; any one tampering with the stored rows, chosen at
// random (content, leaf, nodes, MAC, delete, insert, swap, truncate), is detected and located.
import assert from "node:assert/strict";
import { test } from "node:test";
import Database from "better-sqlite3";
import fc from "fast-check";
import { sampleEvent, tempLedger } from "./testing.ts";
import { verifyLedger } from "./verify.ts";

type Op = { kind: "content" | "leaf" | "nodes" | "mac" | "delete" | "swap" | "insert" | "truncate"; a: number; b: number };

const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom("content", "leaf", "nodes", "mac", "delete", "swap", "insert", "truncate"),
  a: fc.nat(),
  b: fc.nat(),
}) as fc.Arbitrary<Op>;

test("random appends always verify and a random tampering is always detected at its index", () => {
  fc.assert(
    fc.property(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 0, max: 5 }), opArb, (n, signEvery, op) => {
      const t = tempLedger(signEvery);
      try {
        // Random split into batches: exercises batch boundaries against signing intervals.
        for (let i = 0; i < n; ) {
          const k = Math.min(n - i, 1 + ((op.a + i) % 7));
          t.ledger.appendBatch(Array.from({ length: k }, (_, j) => sampleEvent(i + j)));
          i += k;
        }
        if (signEvery === 0 || n % signEvery !== 0) t.ledger.signHead();
        assert.equal(verifyLedger(t.ledger).ok, true);
        const a = op.a % n;
        let b = op.b % n;
        if (b === a) b = (a + 1) % n;
        const db = new Database(t.dbPath);
        let where: number[];
        switch (op.kind) {
          case "content":
            db.prepare("UPDATE audit_entries SET entry = replace(entry, '\"tenant\":\"acme\"', '\"tenant\":\"acmf\"') WHERE idx = ?").run(a);
            where = [a];
            break;
          case "leaf":
            db.prepare("UPDATE audit_entries SET leaf = zeroblob(32) WHERE idx = ?").run(a);
            where = [a];
            break;
          case "nodes": {
            // Only rows at odd indexes complete interior nodes.
            const odd = a % 2 === 1 ? a : Math.min(a + 1, n - 1) % 2 === 1 ? Math.min(a + 1, n - 1) : 1;
            db.prepare("UPDATE audit_entries SET nodes = zeroblob(length(nodes)) WHERE idx = ?").run(odd);
            where = [odd];
            break;
          }
          case "mac":
            db.prepare("UPDATE audit_entries SET mac = zeroblob(32) WHERE idx = ?").run(a);
            where = [a];
            break;
          case "delete":
            db.prepare("DELETE FROM audit_entries WHERE idx = ?").run(a);
            where = [a];
            break;
          case "swap":
            db.prepare("UPDATE audit_entries SET idx = -1 WHERE idx = ?").run(a);
            db.prepare("UPDATE audit_entries SET idx = ? WHERE idx = ?").run(a, b);
            db.prepare("UPDATE audit_entries SET idx = ? WHERE idx = -1").run(b);
            where = [a, b];
            break;
          case "insert":
            db.prepare("INSERT INTO audit_entries (idx, entry, leaf, nodes, mac) SELECT ?, entry, leaf, nodes, mac FROM audit_entries WHERE idx = ?").run(n, a);
            where = [n];
            break;
          case "truncate":
            db.prepare("DELETE FROM audit_entries WHERE idx >= ?").run(a);
            where = [a];
            break;
        }
        db.close();
        const r = verifyLedger(t.ledger);
        assert.equal(r.ok, false, `${op.kind} not detected`);
        const found = new Set(r.problems.filter((p) => p.kind !== "head").map((p) => p.index));
        for (const w of where) assert.ok(found.has(w), `${op.kind} at ${w} not located: ${JSON.stringify(r.problems)}`);
      } finally {
        t.close();
      }
    }),
    { numRuns: 60 },
  );
});

test("property: hostile events are appended canonically or refused with a 400, and the ledger still verifies", () => {
  const t = tempLedger(8);
  try {
    const str = fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom("", "../../etc/passwd", "\uD800", "a\u0000b", "x".repeat(300)));
    const val = fc.oneof(str, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.object({ maxDepth: 1 }));
    const ev = fc.record({ who: val, action: val, resource: val, tenant: val, decision: fc.oneof(fc.constantFrom("allow", "deny", "info"), val), epsilon: val, inputHash: val, detail: val }, { requiredKeys: [] });
    fc.assert(fc.property(ev, (e) => {
      const before = t.ledger.size;
      try {
        t.ledger.append(e as never);
        assert.equal(t.ledger.size, before + 1);
      } catch (err) {
        assert.ok(err instanceof Error && (err as { status?: number }).status === 400, String(err));
        assert.equal(t.ledger.size, before, "a refused event leaves no trace");
      }
    }), { numRuns: 300 });
    t.ledger.append(sampleEvent(0));
    t.ledger.append({ ...sampleEvent(1), who: "名前 ✓ 😀", detail: { note: "multi-byte \u00e9" } });
    assert.deepEqual(verifyLedger(t.ledger).problems, []);
  } finally {
    t.close();
  }
});
