import { test } from "node:test";
import assert from "node:assert/strict";
import { fairShare, fifo, priority, type Waiting } from "./index.ts";

const w = (seq: number, tenant: string, prio = 0): Waiting => ({ seq, tenant, priority: prio });
const none = { virtualTime: new Map<string, number>() };

test("fifo runs the earliest arrival", () => {
  assert.equal(fifo([w(5, "a"), w(2, "b"), w(9, "a")], none), 1);
});

test("priority runs the highest priority, earliest first among equals", () => {
  assert.equal(priority([w(1, "a", 0), w(2, "b", 5), w(3, "c", 5)], none), 1);
  assert.equal(priority([w(1, "a", -1), w(2, "b", -2)], none), 0);
});

test("fair share runs the tenant with the least weighted service, then by arrival", () => {
  const vt = new Map([["a", 100], ["b", 10], ["c", 10]]);
  assert.equal(fairShare([w(1, "a"), w(3, "c"), w(2, "b")], { virtualTime: vt }), 2);
  assert.equal(fairShare([w(1, "a"), w(2, "new")], { virtualTime: vt }), 1);
});
