// The parity corpus is deterministic and covers what the llama.cpp comparison needs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parityCorpus } from "./parity-corpus.ts";

test("same seed gives the same lines; another seed, other lines", () => {
  assert.deepEqual(parityCorpus(500, 42), parityCorpus(500, 42));
  assert.notDeepEqual(parityCorpus(500, 42), parityCorpus(500, 43));
  assert.deepEqual(parityCorpus(100, 42), parityCorpus(500, 42).slice(0, 100));
  assert.equal(parityCorpus(0, 1).length, 0);
});

test("lines are valid Unicode and cover scripts, emoji, whitespace, digits and contractions", () => {
  const lines = parityCorpus(10_000, 12345);
  assert.equal(lines.length, 10_000);
  assert.ok(lines.every((l) => l.length > 0 && !/[\ud800-\udfff]/u.test(l)));
  const share = (re: RegExp): number => lines.filter((l) => re.test(l)).length / lines.length;
  const wanted: Array<[string, RegExp, number]> = [
    ["ASCII words", /[a-z]{3}/, 0.5],
    ["accented Latin", /[à-ÿ]|\u0301/, 0.05],
    ["Greek", /\p{Script=Greek}/u, 0.05],
    ["Cyrillic", /\p{Script=Cyrillic}/u, 0.05],
    ["CJK", /\p{Script=Han}/u, 0.05],
    ["Hangul", /\p{Script=Hangul}/u, 0.05],
    ["Arabic", /\p{Script=Arabic}/u, 0.05],
    ["ZWJ emoji", /\p{Extended_Pictographic}\u200d/u, 0.02],
    ["skin tones", /[\u{1f3fb}-\u{1f3ff}]/u, 0.02],
    ["flags", /[\u{1f1e6}-\u{1f1ff}]{2}/u, 0.02],
    ["space runs", / {3,}/, 0.05],
    ["tabs", /\t/, 0.05],
    ["newline runs", /\n\n/, 0.03],
    ["leading whitespace", /^\s/, 0.05],
    ["trailing whitespace", /\s$/, 0.05],
    ["long digit runs", /\d{10,}/, 0.05],
    ["punctuation", /[.,!?;:]/, 0.3],
    ["lower-case contractions", /'(s|t|re|ve|m|ll|d)\b/, 0.05],
    ["upper-case contractions", /'(S|T|RE|VE|M|LL|D)\b/, 0.02],
  ];
  for (const [what, re, min] of wanted) assert.ok(share(re) >= min, `${what}: ${share(re)}`);
});
