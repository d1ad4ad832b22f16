// Span-level scoring of the PII evaluation: same type and overlap/union ≥ 0.5, one-to-one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { scoreSpans } from "../src/privacy/pii/index.ts";

test("a prediction counts when its type matches and overlap/union ≥ 0.5, once per gold span", () => {
  const gold = [[{ type: "PERSON", start: 0, end: 10 }, { type: "LOCATION", start: 20, end: 26 }]];
  const pred = [[
    { type: "PERSON", start: 0, end: 8 }, // IoU 0.8: match
    { type: "PERSON", start: 0, end: 10 }, // second prediction for the same gold: false positive
    { type: "ORGANIZATION", start: 20, end: 26 }, // wrong type
    { type: "SECRET", start: 30, end: 40 }, // type not evaluated: ignored
  ]];
  const r = scoreSpans(gold, pred, ["PERSON", "LOCATION", "ORGANIZATION"]);
  assert.equal(r.per_type.PERSON!.precision, 0.5);
  assert.equal(r.per_type.PERSON!.recall, 1);
  assert.equal(r.per_type.LOCATION!.recall, 0);
  assert.equal(r.overall.support, 2);
  assert.equal(r.overall.predicted, 3);
  // F2 = 5PR / (4P + R) with P = 1/3, R = 1/2.
  assert.equal(r.overall.f2, Math.round(((5 * (1 / 3) * 0.5) / (4 / 3 + 0.5)) * 10000) / 10000);
});

test("overlap/union below 0.5 is a miss", () => {
  const r = scoreSpans([[{ type: "URL", start: 0, end: 10 }]], [[{ type: "URL", start: 6, end: 14 }]]);
  assert.equal(r.overall.recall, 0);
});
