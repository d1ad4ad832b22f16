// fromJSON validation, and save/load through files.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CorruptFileError, NotFoundError } from "../../errors/index.ts";
import { BpeTokenizer } from "./bpe.ts";
import { BYTE_TO_CHAR } from "./bytes.ts";
import { END_OF_TEXT, type TokenizerJson } from "./json.ts";
import { trainBpe } from "./trainer.ts";

const dir = mkdtempSync(join(tmpdir(), "llmos-tok-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function good(): TokenizerJson {
  const tokens = [...BYTE_TO_CHAR, "ab", "abc", END_OF_TEXT];
  return { type: "byte-bpe", version: 1, pre: "gpt-2", tokens, merges: ["a b", "ab c"], special: { [END_OF_TEXT]: 258 } };
}

/** Each case breaks one thing; the error must name the source and say what is wrong. */
const CORRUPT: Array<[string, (j: Record<string, unknown>) => unknown, RegExp]> = [
  ["null", () => null, /not a tokenizer object/],
  ["array", () => [1, 2], /not a tokenizer object/],
  ["wrong type", (j) => ({ ...j, type: "sentencepiece" }), /byte-bpe/],
  ["wrong version", (j) => ({ ...j, version: 2 }), /version 2/],
  ["wrong pre-tokenizer", (j) => ({ ...j, pre: "llama3" }), /pre-tokenizer/],
  ["tokens not an array", (j) => ({ ...j, tokens: "abc" }), /"tokens" must be an array/],
  ["too few tokens", (j) => ({ ...j, tokens: (j.tokens as string[]).slice(0, 100) }), /at least 256/],
  ["token not a string", (j) => ({ ...j, tokens: [...(j.tokens as string[]).slice(0, 257), 42, END_OF_TEXT] }), /token 257 must be a non-empty string/],
  ["duplicate tokens", (j) => ({ ...j, tokens: [...(j.tokens as string[]).slice(0, 257), "ab", END_OF_TEXT] }), /token 257 duplicates token 256/],
  ["bytes out of order", (j) => ({ ...j, tokens: [BYTE_TO_CHAR[1], BYTE_TO_CHAR[0], ...(j.tokens as string[]).slice(2)] }), /token 0 must be the byte token/],
  ["character outside the byte map", (j) => ({ ...j, tokens: [...(j.tokens as string[]).slice(0, 256), "a b", "abc", END_OF_TEXT] }), /token 256 contains a character outside/],
  ["merges not an array", (j) => ({ ...j, merges: {} }), /"merges" must be an array/],
  ["merge not a string", (j) => ({ ...j, merges: ["a b", 7] }), /merge 1 must be a string/],
  ["merge without a space", (j) => ({ ...j, merges: ["ab"] }), /merge 0 must be two tokens/],
  ["merge with two spaces", (j) => ({ ...j, merges: ["a  b"] }), /merge 0 must be two tokens/],
  ["merge of an unknown token", (j) => ({ ...j, merges: ["a b", "abx c"] }), /merge 1 refers to a token that is not in "tokens"/],
  ["merge making an unknown token", (j) => ({ ...j, merges: ["a b", "b c"] }), /merge 1 makes a token that is not in "tokens"/],
  ["repeated merge", (j) => ({ ...j, merges: ["a b", "ab c", "a b"] }), /merge 2 repeats merge 0/],
  ["no <|endoftext|>", (j) => ({ ...j, special: {} }), /must contain <\|endoftext\|>/],
  ["special id that does not match", (j) => ({ ...j, special: { [END_OF_TEXT]: 257 } }), /special token entry with id 257/],
  ["special not an object", (j) => ({ ...j, special: [258] }), /"special" must be an object/],
];

test("fromJSON rejects corrupt input with a one-line error naming the source", () => {
  for (const [name, corrupt, message] of CORRUPT) {
    const json = corrupt(good() as unknown as Record<string, unknown>);
    assert.throws(
      () => BpeTokenizer.fromJSON(json, "models/x/tokenizer.json"),
      (e: unknown) => {
        assert.ok(e instanceof CorruptFileError, `${name}: ${String(e)}`);
        assert.equal(e.file, "models/x/tokenizer.json");
        assert.match(e.message, /^models\/x\/tokenizer\.json: /, name);
        assert.match(e.message, message, name);
        assert.ok(!e.message.includes("\n"), name);
        return true;
      },
      name,
    );
  }
});

test("error messages never quote token text", () => {
  const json = good();
  json.tokens = [...json.tokens.slice(0, 256), "secretpassword", "secretpassword", END_OF_TEXT];
  assert.throws(() => BpeTokenizer.fromJSON(json), (e: unknown) => e instanceof CorruptFileError && !e.message.includes("secret"));
});

test("fromJSON accepts a valid vocabulary and toJSON gives it back", () => {
  const tok = BpeTokenizer.fromJSON(good());
  assert.deepEqual(tok.toJSON(), good());
  // "abc" -> ab+c -> abc; " ab" -> Ġ (byte 0x20) + ab.
  assert.deepEqual(tok.encode("abc ab"), [257, 0x20, 256]);
  // The tokenizer keeps its own copy: changing the input afterwards changes nothing.
  const json = good();
  const tok2 = BpeTokenizer.fromJSON(json);
  json.tokens[256] = "zz";
  assert.equal(tok2.tokens[256], "ab");
});

test("save then load gives the same tokenizer, leaving no temporary files", async () => {
  const tok = trainBpe(["the cat sat on the mat, the end. ".repeat(20), "naïve café 你好 👍🏽"], { vocabSize: 300 });
  const path = join(dir, "tok.json");
  await tok.save(path);
  await tok.save(path); // overwrite in place
  const loaded = await BpeTokenizer.load(path);
  assert.deepEqual(loaded.toJSON(), tok.toJSON());
  assert.deepEqual(loaded.encode("the cat café"), tok.encode("the cat café"));
  assert.deepEqual(readdirSync(dir), ["tok.json"]);
});

test("load: missing file, invalid JSON and wrong shape give clear errors", async () => {
  await assert.rejects(BpeTokenizer.load(join(dir, "nope.json")), (e: unknown) => e instanceof NotFoundError && /nope\.json/.test(e.message));
  const bad = join(dir, "bad.json");
  writeFileSync(bad, "{ private-user-text");
  await assert.rejects(BpeTokenizer.load(bad), (e: unknown) => {
    assert.ok(e instanceof CorruptFileError);
    assert.equal(e.file, bad);
    assert.match(e.message, /is not valid JSON/);
    assert.ok(!e.message.includes("private-user-text"));
    return true;
  });
  const shape = join(dir, "shape.json");
  writeFileSync(shape, JSON.stringify({ type: "byte-bpe", version: 1, pre: "gpt-2", tokens: [], merges: [], special: {} }));
  await assert.rejects(BpeTokenizer.load(shape), (e: unknown) => e instanceof CorruptFileError && e.file === shape);
  await assert.rejects(BpeTokenizer.load(dir), (e: unknown) => e instanceof CorruptFileError && /cannot be read/.test(e.message));
});
