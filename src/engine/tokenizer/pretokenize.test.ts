// The GPT-2 split as llama.cpp computes it, and the code point classes behind it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parityCorpus } from "./parity-corpus.ts";
import { pretokenize } from "./pretokenize.ts";
import { codePointClasses } from "./unicode-runs.ts";

const CASES: Array<[string, string[]]> = [
  ["", []],
  ["Hello world", ["Hello", " world"]],
  // Contractions: lower case only; an upper-case one splits into quote + letters.
  ["I'm sure you'll see it's John's", ["I", "'m", " sure", " you", "'ll", " see", " it", "'s", " John", "'s"]],
  ["we've they'd she're", ["we", "'ve", " they", "'d", " she", "'re"]],
  ["DON'T I'M", ["DON", "'", "T", " I", "'", "M"]],
  ["''s ' s 's", ["''", "s", " '", " s", " '", "s"]],
  ["'", ["'"]],
  ["'l", ["'", "l"]],
  ["rock'n'roll", ["rock", "'", "n", "'", "roll"]],
  // Runs of whitespace: the last one joins the next word; at the end of text the run stays whole.
  ["a  b", ["a", " ", " b"]],
  ["a    b", ["a", "   ", " b"]],
  ["  x", [" ", " x"]],
  ["a  ", ["a", "  "]],
  ["a \n", ["a", " \n"]],
  ["a\n\nb", ["a", "\n", "\n", "b"]],
  ["a\n\n b", ["a", "\n\n", " b"]],
  ["a \tb", ["a", " ", "\t", "b"]],
  ["\t\tfoo", ["\t", "\t", "foo"]],
  ["a\r\nb", ["a", "\r", "\n", "b"]],
  ["   ", ["   "]],
  [" ", [" "]],
  ["x   !", ["x", "  ", " !"]],
  // Digits: one run per number, an optional leading space.
  ["abc123def 4567", ["abc", "123", "def", " 4567"]],
  [" 2024-01-01 3.14", [" 2024", "-", "01", "-", "01", " 3", ".", "14"]],
  ["x² Ⅻ", ["x", "²", " Ⅻ"]],
  // Punctuation runs, with at most one leading space.
  ["Hi!!! ...ok?  (yes)", ["Hi", "!!!", " ...", "ok", "?", " ", " (", "yes", ")"]],
  ["<|endoftext|>", ["<|", "endoftext", "|>"]],
  // Scripts without spaces, and letters next to punctuation.
  ["你好，世界", ["你好", "，", "世界"]],
  ["안녕하세요 세계", ["안녕하세요", " 세계"]],
  ["Привет, мир", ["Привет", ",", " мир"]],
  // Emoji (symbols, ZWJ, skin tones, variation selectors, flags) are "other": one run.
  ["👨‍👩‍👧‍👦", ["👨‍👩‍👧‍👦"]],
  ["ok 👍🏽!", ["ok", " 👍🏽!"]],
  ["hi👋🇺🇸 🏳️‍🌈", ["hi", "👋🇺🇸", " 🏳️‍🌈"]],
  // Combining accents are marks, not letters; precomposed letters are letters.
  ["cafe\u0301 café", ["cafe", "\u0301", " café"]],
  // llama.cpp's whitespace: NBSP and U+0085 are whitespace, U+FEFF and U+200B are not.
  ["a\u00a0b", ["a", "\u00a0", "b"]],
  ["!\u0085!", ["!", "\u0085", "!"]],
  ["\ufeff!", ["\ufeff!"]],
  ["a\u200bb", ["a", "\u200b", "b"]],
  // U+1C89 became a letter in Unicode 16; llama.cpp's tables predate it, so it is "other".
  ["a\u1c89b", ["a", "\u1c89", "b"]],
];

test("splits examples exactly as llama.cpp's gpt2 pre-tokenizer", () => {
  for (const [text, pieces] of CASES) assert.deepEqual(pretokenize(text), pieces, JSON.stringify(text));
});

test("pieces cover the text exactly, code points unbroken", () => {
  for (const line of parityCorpus(2000, 3)) {
    const pieces = pretokenize(line);
    assert.equal(pieces.join(""), line);
    for (const p of pieces) {
      assert.ok(p.length > 0);
      assert.ok(!/^[\udc00-\udfff]/.test(p) && !/[\ud800-\udbff]$/.test(p), "a surrogate pair was split");
    }
  }
});

const GPT2_REGEX = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

function jsClass(ch: string): number {
  return /\p{L}/u.test(ch) ? 1 : /\p{N}/u.test(ch) ? 2 : /\s/u.test(ch) ? 3 : 0;
}

test("agrees with the GPT-2 regex wherever JS and llama.cpp classify code points alike", () => {
  const table = codePointClasses();
  let compared = 0;
  for (const line of parityCorpus(3000, 11)) {
    if ([...line].some((ch) => jsClass(ch) !== table[ch.codePointAt(0)!])) continue;
    assert.deepEqual(pretokenize(line), line.match(GPT2_REGEX) ?? [], JSON.stringify(line));
    compared++;
  }
  assert.ok(compared > 1000, `only ${compared} lines compared`);
});

test("code point classes follow llama.cpp: letters and numbers a subset of JS's, its own whitespace set", () => {
  const table = codePointClasses();
  const whitespace: number[] = [];
  const counts = [0, 0, 0, 0];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    const cls = table[cp]!;
    counts[cls]!++;
    if (cls === 3) whitespace.push(cp);
    else if (cls === 1) assert.ok(/\p{L}/u.test(String.fromCodePoint(cp)), `U+${cp.toString(16)} is a letter only in our table`);
    else if (cls === 2) assert.ok(/\p{N}/u.test(String.fromCodePoint(cp)), `U+${cp.toString(16)} is a number only in our table`);
  }
  assert.deepEqual(whitespace, [
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
    0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
  ]);
  // Unicode 15 has ~136k letters and ~1.8k numbers; a broken table would be far off.
  assert.ok(counts[1]! > 130_000 && counts[1]! < 145_000, `letters: ${counts[1]}`);
  assert.ok(counts[2]! > 1_700 && counts[2]! < 2_000, `numbers: ${counts[2]}`);
});
