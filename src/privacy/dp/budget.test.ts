// Budget store: registration, atomic debits, exact unit arithmetic, refusals that say what is left,
// tenant isolation, per-user spend.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { openDatabase } from "../../store/index.ts";
import { DpBudgetStore } from "./budget.ts";
import { BudgetExceededError } from "./errors.ts";

const schema = [{ name: "age", type: "number" as const }];

function register(store: DpBudgetStore, id = "survey", tenant = "acme", epsilon = 1, delta = 1e-6) {
  return store.registerDataset({ tenant, id, owner: "alice", source: "/nonexistent.csv", format: "csv", schema, privacyUnit: null, epsilonTotal: epsilon, deltaTotal: delta });
}

test("fifty debits of ε = 0.02 exactly fill a budget of 1; the 51st is refused with what is left", () => {
  const store = new DpBudgetStore(openDatabase(":memory:"));
  register(store);
  for (let i = 0; i < 50; i++) store.debit("acme", "survey", { epsilon: 0.02, delta: 0 }, { user: `u${i % 3}`, mechanism: "discrete_laplace" });
  const b = store.budget("acme", "survey");
  assert.equal(b.epsilon_spent, 1);
  assert.equal(b.epsilon_remaining, 0);
  assert.equal(b.releases, 50);
  assert.throws(
    () => store.debit("acme", "survey", { epsilon: 0.02, delta: 0 }, { user: "u0", mechanism: "discrete_laplace" }),
    (e: unknown) => e instanceof BudgetExceededError && e.status === 403 && e.code === "budget_exceeded" && e.remaining.epsilon === 0 && /only ε=0/.test(e.message),
  );
  assert.equal(store.budget("acme", "survey").releases, 50, "a refused release records nothing");
  const byUser = store.spendByUser("acme", "survey");
  assert.deepEqual(byUser.map((u) => u.releases), [17, 17, 16]);
  assert.equal(store.ledger("acme", "survey").length, 50);
});

test("δ is budgeted too, and the refusal reports both remainders", () => {
  const store = new DpBudgetStore(openDatabase(":memory:"));
  register(store, "d", "acme", 10, 1e-5);
  store.debit("acme", "d", { epsilon: 0.1, delta: 6e-6 }, { user: "u", mechanism: "discrete_gaussian" });
  try {
    store.debit("acme", "d", { epsilon: 0.1, delta: 6e-6 }, { user: "u", mechanism: "discrete_gaussian" });
    assert.fail("should be refused");
  } catch (e) {
    assert.ok(e instanceof BudgetExceededError);
    assert.ok(Math.abs(e.remaining.delta - 4e-6) < 1e-15);
    assert.ok(Math.abs(e.remaining.epsilon - 9.9) < 1e-9);
  }
});

test("another tenant's dataset is not found; duplicate ids and bad budgets are rejected", () => {
  const store = new DpBudgetStore(openDatabase(":memory:"));
  register(store);
  assert.throws(() => store.getDataset("other", "survey"), { code: "not_found" });
  assert.throws(() => store.debit("other", "survey", { epsilon: 0.1, delta: 0 }, { user: "x", mechanism: "m" }), { code: "not_found" });
  assert.deepEqual(store.listDatasets("other"), []);
  assert.equal(store.listDatasets("acme").length, 1);
  assert.throws(() => register(store), { field: "dataset.id" });
  assert.throws(() => register(store, "neg", "acme", -1), { field: "dataset.budget.epsilon" });
  assert.throws(() => register(store, "d1", "acme", 1, 1), { field: "dataset.budget.delta" });
  assert.throws(() => register(store, "bad id!"), { field: "dataset.id" });
  assert.throws(() => store.debit("acme", "survey", { epsilon: Number.NaN, delta: 0 }, { user: "x", mechanism: "m" }), { field: "cost.epsilon" });
});

test("the budget survives reopening the database file", () => {
  const dir = mkdtempSync(join(tmpdir(), "llmos-dp-"));
  try {
    const path = join(dir, "llmos.db");
    const a = DpBudgetStore.open(path);
    register(a);
    a.debit("acme", "survey", { epsilon: 0.3, delta: 0 }, { user: "u", mechanism: "m" });
    a.close();
    const b = DpBudgetStore.open(path);
    assert.equal(b.budget("acme", "survey").epsilon_remaining, 0.7);
    b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
