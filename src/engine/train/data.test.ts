// Corpus reading (.txt, .jsonl and their errors), packing, the train/val split, the seeded data order and its PRNG.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CorruptFileError, InvalidArgumentError, NotFoundError } from "../../errors/index.ts";
import { tempDir } from "../../../test/helpers/tmp.ts";
import { DataOrder, batchTokens, corpusFingerprint, packSequences, readDocuments, splitSequences } from "./data.ts";
import { Rng } from "./rng.ts";

test("xoshiro128** matches the reference generator's output", () => {
  // State and outputs from the reference C implementation (prng.di.unimi.it/xoshiro128starstar.c).
  const rng = new Rng([0x964d4a0c, 0xd40ab895, 0xad7fdecb, 0x3006f0f0]);
  assert.deepEqual([1, 2, 3, 4].map(() => rng.nextUint32()), [0xf1391922, 0x6fe53806, 0xa5be2840, 0xf510ee70]);
  const a = Rng.fromSeed(7);
  const b = new Rng(Rng.fromSeed(7).state());
  assert.deepEqual(a.shuffle([...Array(50).keys()]), b.shuffle([...Array(50).keys()]));
  const counts = new Array(3).fill(0);
  for (let i = 0; i < 3000; i++) counts[a.nextInt(3)]++;
  assert.ok(counts.every((c) => c > 900 && c < 1100), String(counts));
});

test("reads .txt files as one document each and .jsonl files line by line", async () => {
  const dir = tempDir();
  writeFileSync(join(dir, "a.txt"), "First paragraph.\n\nSecond paragraph.\n");
  writeFileSync(join(dir, "b.jsonl"), '{"text": "doc one"}\n\n{"text": "doc two", "id": 2}\n');
  const docs = await readDocuments([join(dir, "a.txt"), join(dir, "b.jsonl")]);
  assert.deepEqual(docs, ["First paragraph.\n\nSecond paragraph.\n", "doc one", "doc two"]);
});

test("bad corpus files give errors naming the file (and line), never the content", async () => {
  const dir = tempDir();
  const cases: [string, string | Buffer, RegExp][] = [
    ["bad.jsonl", '{"text": "ok"}\n{"text": secret value}\n', /bad\.jsonl:2: is not valid JSON/],
    ["notext.jsonl", '{"text": "ok"}\n{"body": "x"}\n', /notext\.jsonl:2: has no string field "text"/],
    ["array.jsonl", '["secret"]\n', /array\.jsonl:1: is not a JSON object/],
    ["binary.txt", Buffer.from([0xff, 0xfe, 0x00, 0xc3]), /binary\.txt: is not valid UTF-8/],
  ];
  for (const [name, content, message] of cases) {
    writeFileSync(join(dir, name), content);
    await assert.rejects(readDocuments([join(dir, name)]), (e: unknown) => {
      assert.ok(e instanceof CorruptFileError);
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /secret/);
      return true;
    });
  }
  await assert.rejects(readDocuments([join(dir, "missing.txt")]), (e: unknown) => e instanceof NotFoundError && /missing\.txt/.test(e.message));
});

test("packing: windows of T+1 tokens with stride T; too-small corpora are refused", () => {
  const tokens = Int32Array.from({ length: 10 }, (_, i) => i);
  const seqs = packSequences(tokens, 3);
  assert.deepEqual(seqs.map((s) => Array.from(s)), [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]);
  assert.equal(packSequences(tokens, 9).length, 1);
  assert.throws(() => packSequences(tokens, 10), (e: unknown) => e instanceof InvalidArgumentError && /too small: 10 tokens/.test(e.message));
  assert.throws(() => splitSequences(packSequences(tokens, 9), 0.05, 1), /at least 2/);
});

test("split: seeded, disjoint, at least one sequence on each side", () => {
  const tokens = Int32Array.from({ length: 401 }, (_, i) => i);
  const seqs = packSequences(tokens, 4); // 100 sequences, each starting at a distinct token
  const a = splitSequences(seqs, 0.05, 42);
  const b = splitSequences(seqs, 0.05, 42);
  assert.equal(a.val.length, 5);
  assert.equal(a.train.length, 95);
  assert.deepEqual(a.val.map((s) => s[0]), b.val.map((s) => s[0]));
  const starts = new Set([...a.train, ...a.val].map((s) => s[0]));
  assert.equal(starts.size, 100);
  assert.notDeepEqual(splitSequences(seqs, 0.05, 43).val.map((s) => s[0]), a.val.map((s) => s[0]));
  const two = splitSequences(packSequences(tokens, 200), 0.001, 1);
  assert.equal(two.val.length, 1);
  assert.equal(two.train.length, 1);
  const tiny = splitSequences(seqs, 0.999, 1);
  assert.equal(tiny.train.length, 1);
});

test("data order: each epoch is a permutation; a saved state continues the same sequence", () => {
  const order = DataOrder.start(10, 5);
  const firstEpoch = order.next(10);
  assert.deepEqual([...firstEpoch].sort((x, y) => x - y), [...Array(10).keys()]);
  order.next(3);
  const saved = order.state();
  assert.deepEqual({ epoch: saved.epoch, cursor: saved.cursor }, { epoch: 1, cursor: 3 });
  const resumed = new DataOrder(10, JSON.parse(JSON.stringify(saved)));
  assert.deepEqual(resumed.next(25), order.next(25));
  assert.notDeepEqual(DataOrder.start(10, 5).next(10), DataOrder.start(10, 6).next(10));
});

test("batches are row-major copies; fingerprints tell corpora apart", () => {
  const seqs = [Int32Array.from([1, 2, 3]), Int32Array.from([4, 5, 6])];
  assert.deepEqual(Array.from(batchTokens(seqs, [1, 0, 1])), [4, 5, 6, 1, 2, 3, 4, 5, 6]);
  const f1 = corpusFingerprint(Int32Array.from([1, 2, 3]));
  assert.equal(f1.tokens, 3);
  assert.notEqual(f1.sha256, corpusFingerprint(Int32Array.from([1, 2, 4])).sha256);
});
