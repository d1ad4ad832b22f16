// BPE encoding on hand-built vocabularies: merge order, ties, bytes, special tokens, decode.
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../errors/index.ts";
import { BpeTokenizer } from "./bpe.ts";
import { BYTE_TO_CHAR, bytesToTokenString } from "./bytes.ts";
import { END_OF_TEXT, type TokenizerJson } from "./json.ts";
import { applyMerges, pairKey, type MergeTable } from "./merge.ts";

/** Byte tokens, then one token per merge (given as [left, right] token strings), then <|endoftext|>. */
function vocab(merges: Array<[string, string]>): TokenizerJson {
  const tokens = [...BYTE_TO_CHAR, ...merges.map(([l, r]) => l + r), END_OF_TEXT];
  return { type: "byte-bpe", version: 1, pre: "gpt-2", tokens, merges: merges.map(([l, r]) => `${l} ${r}`), special: { [END_OF_TEXT]: tokens.length - 1 } };
}

const ID = (tok: BpeTokenizer, s: string): number => tok.tokens.indexOf(s);

test("merges apply lowest rank first", () => {
  const tok = BpeTokenizer.fromJSON(vocab([["b", "c"], ["a", "b"], ["a", "bc"]]));
  // (b,c) outranks (a,b), so "abc" becomes a+bc, then abc.
  assert.deepEqual(tok.encode("abc"), [ID(tok, "abc")]);
  // Here (a,b) wins on the left and (b,c) can no longer form.
  assert.deepEqual(tok.encode("abab"), [ID(tok, "ab"), ID(tok, "ab")]);
  const tok2 = BpeTokenizer.fromJSON(vocab([["a", "b"], ["b", "c"]]));
  assert.deepEqual(tok2.encode("abc"), [ID(tok2, "ab"), "c".charCodeAt(0)]);
});

test("equal ranks merge leftmost first", () => {
  const tok = BpeTokenizer.fromJSON(vocab([["a", "a"]]));
  assert.deepEqual(tok.encode("aaa"), [ID(tok, "aa"), 0x61]);
  assert.deepEqual(tok.encode("aaaaa"), [ID(tok, "aa"), ID(tok, "aa"), 0x61]);
  const tok2 = BpeTokenizer.fromJSON(vocab([["a", "a"], ["aa", "a"]]));
  // aaa -> (aa)a -> (aaa): the merge made from the left pair goes on.
  assert.deepEqual(tok2.encode("aaaa"), [ID(tok2, "aa"), ID(tok2, "aa")]);
  assert.deepEqual(tok2.encode("aaa"), [ID(tok2, "aaa")]);
});

test("merges never cross pre-token boundaries; spaces travel as Ġ", () => {
  const tok = BpeTokenizer.fromJSON(vocab([["Ġ", "t"], ["h", "e"], ["Ġt", "he"], ["e", "Ġ"]]));
  assert.deepEqual(tok.encode(" the"), [ID(tok, "Ġthe")]);
  // "e" and " " are in different pieces ("the", " the"), so (e, Ġ) never applies.
  assert.deepEqual(tok.encode("the the"), [0x74, ID(tok, "he"), ID(tok, "Ġthe")]);
});

test("non-ASCII text starts from its UTF-8 bytes", () => {
  const e9 = BYTE_TO_CHAR[0xc3]! + BYTE_TO_CHAR[0xa9]!; // é
  const tok = BpeTokenizer.fromJSON(vocab([[BYTE_TO_CHAR[0xc3]!, BYTE_TO_CHAR[0xa9]!], ["caf", e9], ["c", "a"], ["ca", "f"]]));
  assert.deepEqual(tok.encode("é"), [ID(tok, e9)]);
  assert.deepEqual(tok.encode("café"), [ID(tok, "caf" + e9)]);
  assert.deepEqual(tok.encode("😀"), [0xf0, 0x9f, 0x98, 0x80]);
  assert.equal(tok.decode(tok.encode("café 😀")), "café 😀");
});

test("special token text is encoded as plain text and special ids decode to nothing", () => {
  const tok = BpeTokenizer.fromJSON(vocab([["<", "|"]]));
  const ids = tok.encode(END_OF_TEXT);
  assert.ok(!ids.includes(tok.eosId));
  assert.equal(tok.decode(ids), END_OF_TEXT);
  assert.equal(tok.decode([0x61, tok.eosId, 0x62]), "ab");
  assert.equal(tok.bosId, tok.vocabSize - 1);
  assert.equal(tok.eosId, tok.vocabSize - 1);
  assert.equal(tok.tokenTypes[tok.eosId], 3);
  assert.ok(tok.tokenTypes.slice(0, -1).every((t) => t === 1));
  assert.equal(tok.pre, "gpt-2");
});

test("decode rejects ids outside the vocabulary; partial UTF-8 becomes U+FFFD", () => {
  const tok = BpeTokenizer.fromJSON(vocab([]));
  for (const bad of [-1, tok.vocabSize, 1.5, Number.NaN]) {
    assert.throws(() => tok.decode([0x61, bad]), (e: unknown) => e instanceof InvalidArgumentError && /entry 1/.test(e.message));
  }
  assert.equal(tok.decode([0xe4]), "\ufffd");
  assert.equal(tok.decode([]), "");
  assert.equal(tok.decode(tok.encode("\ufeffBOM stays")), "\ufeffBOM stays");
});

test("the merge queue gives the same result as a naive lowest-rank-leftmost loop", () => {
  // Random merges over a small alphabet, not necessarily in "trained" order.
  let seed = 7;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const tokens = ["a", "b", "c", "d"].map((c) => c.charCodeAt(0));
  const strings = new Map<number, string>(tokens.map((t) => [t, String.fromCharCode(t)]));
  const rank = new Map<number, number>();
  const result: number[] = [];
  let nextId = 256;
  for (let r = 0; r < 60; r++) {
    const ids = [...strings.keys()];
    const l = ids[Math.floor(rand() * ids.length)]!;
    const rr = ids[Math.floor(rand() * ids.length)]!;
    if (rank.has(pairKey(l, rr))) continue;
    rank.set(pairKey(l, rr), result.length);
    result.push(nextId);
    strings.set(nextId++, strings.get(l)! + strings.get(rr)!);
  }
  const table: MergeTable = { rank, result: Int32Array.from(result) };
  const naive = (ids: number[]): number[] => {
    const s = ids.slice();
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < s.length; i++) {
        const r = rank.get(pairKey(s[i]!, s[i + 1]!));
        if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
      }
      if (best < 0) return s;
      s.splice(best, 2, result[bestRank]!);
    }
  };
  for (let t = 0; t < 3000; t++) {
    const word = Array.from({ length: 1 + Math.floor(rand() * 24) }, () => tokens[Math.floor(rand() * 4)]!);
    assert.deepEqual(applyMerges(word, table), naive(word), bytesToTokenString(word));
  }
});
