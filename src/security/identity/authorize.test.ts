// The access matrix: every role × resource kind × action, in the principal's own tenant and in
// another one. The expected table is written out here by hand, independent of PERMISSIONS.
import assert from "node:assert/strict";
import { test } from "node:test";
import { NotFoundError } from "../../errors/index.ts";
import { ForbiddenError } from "../errors.ts";
import { authorize, decide } from "./authorize.ts";
import { ACTIONS, RESOURCE_KINDS, ROLES, type Role } from "./roles.ts";

// Letters: r read, u use, w write, g govern; "-" nothing. Columns follow RESOURCE_KINDS.
//            model  dataset budget pipeline federation vault  audit  key
const OWN: Record<Role, string[]> = {
  admin:        ["ruwg", "ruwg", "ruwg", "ruwg", "ruwg", "ruwg", "ruwg", "ruwg"],
  "data-owner": ["ruwg", "ruwg", "ruwg", "ruw",  "ruwg", "ruwg", "r",    "r"],
  analyst:      ["ru",   "ru",   "r",    "ru",   "ru",   "-",    "-",    "-"],
  user:         ["ru",   "-",    "-",    "ru",   "-",    "-",    "-",    "-"],
};

test("every role × action × kind × own/other tenant gives the expected allow / 403 / 404", () => {
  assert.deepEqual([...RESOURCE_KINDS], ["model", "dataset", "budget", "pipeline", "federation", "vault", "audit", "key"]);
  let cases = 0;
  for (const role of ROLES) {
    const p = { id: "p1", role, tenant: "acme" };
    RESOURCE_KINDS.forEach((kind, col) => {
      for (const action of ACTIONS) {
        const letter = action[0]!;
        const own = decide(p, action, { kind, tenant: "acme", id: "x" });
        assert.equal(own.allow, OWN[role][col]!.includes(letter), `${role} ${action} own ${kind}`);
        if (!own.allow) assert.equal(own.status, 403, `${role} ${action} own ${kind}`);
        const other = decide(p, action, { kind, tenant: "globex", id: "x" });
        // Admins operate keys and the ledger across tenants; every other cross-tenant access is a 404.
        const crossOk = role === "admin" && (kind === "key" || kind === "audit");
        if (crossOk) assert.equal(other.allow, true, `${role} ${action} other ${kind}`);
        else assert.deepEqual(other, { allow: false, status: 404, reason: "other-tenant" }, `${role} ${action} other ${kind}`);
        cases += 2;
      }
    });
  }
  assert.equal(cases, 4 * 8 * 4 * 2);
});

test("authorize throws NotFoundError for another tenant and ForbiddenError inside it, with no secret in the message", () => {
  const analyst = { id: "a1", role: "analyst" as const, tenant: "acme" };
  assert.doesNotThrow(() => authorize(analyst, "use", { kind: "dataset", tenant: "acme", id: "patients" }));
  assert.throws(() => authorize(analyst, "read", { kind: "dataset", tenant: "globex", id: "patients" }), (e: unknown) => {
    assert.ok(e instanceof NotFoundError);
    assert.equal(e.status, 404);
    assert.equal(e.message, "unknown dataset 'patients'");
    return true;
  });
  assert.throws(() => authorize(analyst, "govern", { kind: "dataset", tenant: "acme", id: "patients" }), (e: unknown) => {
    assert.ok(e instanceof ForbiddenError);
    assert.equal(e.status, 403);
    assert.match(e.message, /role 'analyst' may not govern a dataset/);
    return true;
  });
});
