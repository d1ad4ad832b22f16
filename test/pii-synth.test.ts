// The training-sentence generator: deterministic, spans inside the text and without stray spaces,
// record-style sentences present, some of them lower-cased, nothing labelled that is not an entity.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateExamples } from "../src/privacy/pii/synth.ts";
import { isLowerCased } from "../src/privacy/pii/recase.ts";

const TYPES = new Set(["PERSON", "LOCATION", "ORGANIZATION", "EMAIL_ADDRESS", "PHONE_NUMBER", "DATE_TIME", "URL", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "AGE", "US_DRIVER_LICENSE"]);

test("generated examples are deterministic and their spans are well formed", () => {
  const a = generateExamples(600, 5);
  const b = generateExamples(600, 5);
  assert.deepEqual(a, b);
  for (const ex of a) {
    for (const s of ex.spans) {
      assert.ok(TYPES.has(s.type), s.type);
      assert.ok(s.start >= 0 && s.end <= ex.text.length && s.start < s.end);
      const v = ex.text.slice(s.start, s.end);
      assert.equal(v, v.trim(), `span with outer spaces in ${JSON.stringify(ex.text)}`);
    }
  }
  // Record-style sentences bring ages and driver's licences, and some sentences are lower-cased whole.
  assert.ok(a.some((e) => e.spans.some((s) => s.type === "AGE")));
  assert.ok(a.some((e) => e.spans.some((s) => s.type === "US_DRIVER_LICENSE")));
  assert.ok(a.some((e) => isLowerCased(e.text) && e.spans.some((s) => s.type === "PERSON")));
});

test("lower-case detection", () => {
  assert.equal(isLowerCased("i met john in boston"), true);
  assert.equal(isLowerCased("I met John"), false);
  assert.equal(isLowerCased("1234 5678"), false);
  assert.equal(isLowerCased("ich traf jürgen in köln"), true);
  assert.equal(isLowerCased("ich traf Jürgen"), false);
  assert.equal(isLowerCased("встретил ивана"), true);
});
