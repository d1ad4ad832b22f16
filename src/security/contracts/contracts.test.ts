// Data-use contracts: strict parsing of hostile terms, every clause of the pure check refusing by
// name, versioned storage on the ledger, and enforcement that logs each decision.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { LlmosError, NotFoundError } from "../../errors/index.ts";
import { sampleEvent, tempLedger } from "../audit/testing.ts";
import { verifyLedger } from "../audit/index.ts";
import { ContractRefusedError, ForbiddenError } from "../errors.ts";
import type { Principal } from "../identity/index.ts";
import { checkContract, type Contract, type ProposedUse } from "./check.ts";
import { ContractStore } from "./store.ts";
import { parseTerms } from "./terms.ts";

const owner: Principal = { id: "own1", role: "data-owner", tenant: "acme" };
const analyst: Principal = { id: "ana1", role: "analyst", tenant: "acme" };
const outsider: Principal = { id: "out1", role: "data-owner", tenant: "globex" };
const TERMS = {
  purposes: ["dp-analytics", "inference"], models: { local: true, remote: ["openai:gpt-4o-mini"] }, piiPolicy: "pseudonymize",
  epsilonPerRelease: 0.5, epsilonTotal: 2, roles: ["analyst", "data-owner"], expires: "2030-01-01T00:00:00Z",
};
const contract: Contract = { resource: { kind: "dataset", tenant: "acme", id: "patients" }, version: 1, terms: parseTerms(TERMS), created: "", createdBy: "own1" };
const base: ProposedUse = { purpose: "dp-analytics", principal: analyst, piiPolicy: "anonymize", epsilon: 0.5, epsilonSpent: 1, now: new Date("2027-01-01T00:00:00Z") };

test("checkContract allows a use within every clause and names the clause that refuses otherwise", () => {
  assert.deepEqual(checkContract(contract, base), { allow: true });
  const cases: [Partial<ProposedUse>, string][] = [
    [{ now: new Date("2030-01-01T00:00:00Z") }, "expires"],
    [{ principal: { ...analyst, tenant: "globex" } }, "tenants"],
    [{ principal: { ...analyst, role: "user" } }, "roles"],
    [{ purpose: "dp-training" }, "purposes"],
    [{ purpose: "inference", epsilon: undefined, model: { name: "anthropic:claude", remote: true } }, "models"],
    [{ piiPolicy: "none" }, "piiPolicy"],
    [{ epsilon: 0.6 }, "epsilonPerRelease"],
    [{ epsilon: undefined }, "epsilonPerRelease"],
    [{ epsilon: 0.5, epsilonSpent: 1.6 }, "epsilonTotal"],
  ];
  for (const [change, clause] of cases) {
    const d = checkContract(contract, { ...base, ...change });
    assert.equal(d.allow, false, clause);
    if (!d.allow) assert.equal(d.clause, clause);
  }
  assert.deepEqual(checkContract(contract, { ...base, purpose: "inference", epsilon: undefined, model: { name: "openai:gpt-4o-mini", remote: true } }), { allow: true });
  assert.deepEqual(checkContract({ ...contract, terms: { ...contract.terms, models: { local: false, remote: [] } } }, { ...base, purpose: "inference", epsilon: undefined, model: { name: "default", remote: false } }), { allow: false, clause: "models", reason: "local models are not allowed" });
  const none = checkContract(undefined, base);
  assert.equal(none.allow === false && none.clause, "no-contract");
  // ε sums that only differ by float rounding are not refused.
  assert.equal(checkContract(contract, { ...base, epsilon: 0.2, epsilonSpent: 1.8 - 0.0000000000001 + 0.0000000000001 }).allow, true);
});

test("parseTerms refuses wrong types, unknown fields, traversal in names, huge and non-finite values", () => {
  const bad: [unknown, RegExp][] = [
    [null, /contract/], [[], /contract/], ["x", /contract/],
    [{ ...TERMS, purposes: ["mining"] }, /purposes/], [{ ...TERMS, purposes: "inference" }, /purposes/],
    [{ ...TERMS, models: { local: "yes", remote: [] } }, /models.local/], [{ ...TERMS, models: { local: true, remote: ["../../etc"] } }, /models.remote/],
    [{ ...TERMS, piiPolicy: "raw" }, /piiPolicy/], [{ ...TERMS, epsilonPerRelease: Number.POSITIVE_INFINITY }, /epsilonPerRelease/],
    [{ ...TERMS, epsilonTotal: 1e308 }, /epsilonTotal/], [{ ...TERMS, epsilonPerRelease: 3, epsilonTotal: 2 }, /epsilonPerRelease/],
    [{ ...TERMS, tenants: ["../x"] }, /tenants/], [{ ...TERMS, roles: ["root"] }, /roles/], [{ ...TERMS, expires: "tomorrow" }, /expires/],
    [{ ...TERMS, purposes: Array(100).fill("inference") }, /purposes/], [{ ...TERMS, __proto__x: 1 }, /unknown field/],
  ];
  for (const [input, re] of bad) assert.throws(() => parseTerms(input), (e: unknown) => e instanceof LlmosError && e.status === 400 && re.test(e.message), JSON.stringify(input)?.slice(0, 80));
  fc.assert(fc.property(fc.anything(), (x) => {
    try {
      parseTerms(x);
    } catch (e) {
      assert.ok(e instanceof LlmosError && e.status === 400, String(e));
    }
  }), { numRuns: 300 });
  assert.throws(() => parseTerms({ ...TERMS, models: { local: true, remote: ["x".repeat(10_000_000)] } }), /models.remote/);
});

test("attach stores versions on the ledger; only the tenant's data owner may attach; enforce logs every decision", () => {
  const t = tempLedger(0);
  try {
    const store = ContractStore.open(t.db, t.ledger, () => new Date("2027-01-01T00:00:00Z"));
    const res = { kind: "dataset" as const, tenant: "acme", id: "patients" };
    assert.throws(() => store.attach(analyst, res, TERMS), ForbiddenError);
    assert.throws(() => store.attach(outsider, res, TERMS), NotFoundError);
    assert.throws(() => store.enforce(res, { ...base, now: undefined }), (e: unknown) => e instanceof ContractRefusedError && e.clause === "no-contract" && e.status === 403);
    const v1 = store.attach(owner, res, TERMS);
    const v2 = store.attach(owner, res, { ...TERMS, purposes: ["inference"] });
    assert.deepEqual([v1.version, v2.version], [1, 2]);
    assert.equal(store.current(res)?.version, 2);
    assert.deepEqual(store.history(analyst, res).map((c) => c.version), [1, 2]);
    assert.throws(() => store.history(outsider, res), NotFoundError);
    assert.throws(() => store.enforce(res, base), (e: unknown) => e instanceof ContractRefusedError && e.clause === "purposes");
    assert.equal(store.enforce(res, { ...base, purpose: "inference", epsilon: undefined, model: { name: "default", remote: false } }).version, 2);
    const log = t.ledger.tail(10);
    assert.deepEqual(log.map((e) => `${e.action}:${e.decision}:${e.clause ?? ""}`), [
      "contract.check:deny:no-contract", "contract.attach:info:", "contract.attach:info:", "contract.check:deny:purposes", "contract.check:allow:",
    ]);
    assert.match(String(log[1]!.detail?.termsHash), /^[0-9a-f]{64}$/);
    t.ledger.append(sampleEvent(1));
    assert.equal(verifyLedger(t.ledger).ok, true);
  } finally {
    t.close();
  }
});
