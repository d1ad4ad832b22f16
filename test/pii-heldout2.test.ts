// The second held-out set (templates-heldout.ts, never trained on): its filler is deterministic,
// spans are well formed, groups label one span, and the templates appear in no training list.
import { test } from "node:test";
import assert from "node:assert/strict";
import { heldoutExamples, renderHeldout } from "../scripts/pii-heldout2.ts";
import { fakerFor, NEGATIVES, OPENERS, TEMPLATES } from "../src/privacy/pii/synth.ts";
import { HELDOUT_TEMPLATES } from "../src/privacy/pii/templates-heldout.ts";
import { FORM_NEGATIVES, FORM_TEMPLATES } from "../src/privacy/pii/templates-forms.ts";

test("held-out examples are deterministic and well formed", () => {
  const a = heldoutExamples(2);
  assert.deepEqual(a, heldoutExamples(2));
  assert.equal(a.length, 2 * HELDOUT_TEMPLATES.length);
  for (const ex of a) {
    for (const s of ex.spans) {
      const v = ex.text.slice(s.start, s.end);
      assert.ok(v.length > 0 && v === v.trim(), `span ${JSON.stringify(v)} in ${JSON.stringify(ex.text)}`);
    }
  }
});

test("a group is one span of its type; its slots are not labelled", () => {
  const ex = renderHeldout(fakerFor("en_US", 3), "I bank with [O:{C} Credit Union] in {C}.");
  assert.equal(ex.spans.length, 2);
  assert.equal(ex.spans[0]!.type, "ORGANIZATION");
  assert.match(ex.text.slice(ex.spans[0]!.start, ex.spans[0]!.end), / Credit Union$/);
  assert.equal(ex.spans[1]!.type, "LOCATION");
  const lc = renderHeldout(fakerFor("en_US", 3), "lc:Hi {F}!");
  assert.equal(lc.text, lc.text.toLowerCase());
});

test("no held-out template is a training template", () => {
  const training = new Set([...TEMPLATES, ...NEGATIVES, ...OPENERS, ...FORM_TEMPLATES, ...FORM_NEGATIVES]);
  for (const t of HELDOUT_TEMPLATES) assert.ok(!training.has(t), t);
});
