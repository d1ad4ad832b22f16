// Trains a byte-level BPE vocabulary: count the GPT-2 pre-tokens of the texts, then repeatedly merge
// the most frequent adjacent pair (ties: smaller left id, then smaller right id), updating pair counts
// only in the words that contain the merged pair.
import { InvalidArgumentError } from "../../errors/index.ts";
import { BpeTokenizer } from "./bpe.ts";
import { BYTE_TO_CHAR } from "./bytes.ts";
import { END_OF_TEXT, type TokenizerJson } from "./json.ts";
import { MAX_TOKENS, pairKey } from "./merge.ts";
import { forEachPiece } from "./pretokenize.ts";
import { utf8Bytes } from "./utf8.ts";

export interface TrainBpeOptions {
  /** Tokens in all: 256 bytes + merged tokens + <|endoftext|>. At least 257. */
  vocabSize: number;
  /** Pairs seen fewer times than this are never merged (default 2). */
  minFrequency?: number;
}

interface PairEntry {
  count: number;
  left: number;
  right: number;
}

/** Max-heap on count; ties go to the smaller (left, right). */
class PairHeap {
  private readonly items: PairEntry[] = [];

  get size(): number {
    return this.items.length;
  }

  private static before(a: PairEntry, b: PairEntry): boolean {
    return a.count > b.count || (a.count === b.count && (a.left < b.left || (a.left === b.left && a.right < b.right)));
  }

  push(e: PairEntry): void {
    const h = this.items;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!PairHeap.before(e, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = e;
  }

  pop(): PairEntry {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const child = r < h.length && PairHeap.before(h[r]!, h[l]!) ? r : l;
        if (!PairHeap.before(h[child]!, last)) break;
        h[i] = h[child]!;
        i = child;
      }
      h[i] = last;
    }
    return top;
  }
}

function checkOptions(opts: TrainBpeOptions): { vocabSize: number; minFrequency: number } {
  const { vocabSize, minFrequency = 2 } = opts ?? ({} as TrainBpeOptions);
  if (!Number.isInteger(vocabSize) || vocabSize < 257) {
    throw new InvalidArgumentError("vocabSize", "must be an integer of at least 257 (256 byte tokens + <|endoftext|>)");
  }
  if (vocabSize > MAX_TOKENS) throw new InvalidArgumentError("vocabSize", `must be at most ${MAX_TOKENS}`);
  if (!Number.isInteger(minFrequency) || minFrequency < 1) throw new InvalidArgumentError("minFrequency", "must be an integer of at least 1");
  return { vocabSize, minFrequency };
}

/** Distinct pre-tokens of the texts with their counts, as byte sequences. */
function countWords(texts: Iterable<string>): { words: number[][]; freq: number[] } {
  const counts = new Map<string, number>();
  let index = 0;
  for (const text of texts) {
    if (typeof text !== "string") throw new InvalidArgumentError("texts", `item ${index} is not a string`);
    forEachPiece(text, (start, end) => {
      const piece = text.slice(start, end);
      counts.set(piece, (counts.get(piece) ?? 0) + 1);
    });
    index++;
  }
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [piece, n] of counts) {
    const bytes = utf8Bytes(piece);
    if (bytes.length < 2) continue; // nothing to merge
    words.push(bytes);
    freq.push(n);
  }
  return { words, freq };
}

export function trainBpe(texts: Iterable<string>, opts: TrainBpeOptions): BpeTokenizer {
  const { vocabSize, minFrequency } = checkOptions(opts);
  const { words, freq } = countWords(texts);

  const tokens: string[] = [...BYTE_TO_CHAR];
  const idOf = new Map<string, number>(tokens.map((t, i) => [t, i]));
  const merges: string[] = [];

  const counts = new Map<number, number>();
  const pairs = new Map<number, PairEntry>(); // key -> (left, right), reused for heap pushes
  const where = new Map<number, number[]>(); // key -> indices of words that (may) contain the pair
  const note = (key: number, left: number, right: number, w: number): void => {
    let list = where.get(key);
    if (list === undefined) {
      list = [];
      where.set(key, list);
      if (!pairs.has(key)) pairs.set(key, { count: 0, left, right });
    }
    if (list[list.length - 1] !== w) list.push(w);
  };
  words.forEach((word, w) => {
    for (let i = 0; i + 1 < word.length; i++) {
      const key = pairKey(word[i]!, word[i + 1]!);
      counts.set(key, (counts.get(key) ?? 0) + freq[w]!);
      note(key, word[i]!, word[i + 1]!, w);
    }
  });
  const heap = new PairHeap();
  for (const [key, count] of counts) {
    const p = pairs.get(key)!;
    heap.push({ count, left: p.left, right: p.right });
  }

  const seen = new Int32Array(words.length).fill(-1);
  // Leave room for <|endoftext|>.
  while (tokens.length < vocabSize - 1 && heap.size > 0) {
    const best = heap.pop();
    const key = pairKey(best.left, best.right);
    const current = counts.get(key) ?? 0;
    if (best.count !== current) {
      // Stale entry: its count has dropped since it was pushed.
      if (current > 0 && best.count > current) heap.push({ count: current, left: best.left, right: best.right });
      continue;
    }
    if (current < minFrequency) break;

    const text = tokens[best.left]! + tokens[best.right]!;
    merges.push(`${tokens[best.left]!} ${tokens[best.right]!}`);
    // Two different pairs can spell the same string; the second merge then reuses the token.
    let merged = idOf.get(text);
    if (merged === undefined) {
      merged = tokens.length;
      tokens.push(text);
      idOf.set(text, merged);
    }
    mergeEverywhere(best.left, best.right, merged, merges.length - 1);
  }

  function mergeEverywhere(a: number, b: number, c: number, stamp: number): void {
    const key = pairKey(a, b);
    const list = where.get(key) ?? [];
    where.delete(key);
    const delta = new Map<number, number>();
    const add = (k: number, d: number): void => {
      delta.set(k, (delta.get(k) ?? 0) + d);
    };
    for (const w of list) {
      if (seen[w] === stamp) continue;
      seen[w] = stamp;
      const word = words[w]!;
      const merged: number[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
          merged.push(c);
          i++;
        } else {
          merged.push(word[i]!);
        }
      }
      if (merged.length === word.length) continue; // the pair left this word in an earlier merge
      const f = freq[w]!;
      for (let i = 0; i + 1 < word.length; i++) add(pairKey(word[i]!, word[i + 1]!), -f);
      for (let i = 0; i + 1 < merged.length; i++) {
        const l = merged[i]!;
        const r = merged[i + 1]!;
        const k = pairKey(l, r);
        add(k, f);
        if (l === c || r === c) note(k, l, r, w);
      }
      words[w] = merged;
    }
    for (const [k, d] of delta) {
      if (d === 0) continue;
      const count = (counts.get(k) ?? 0) + d;
      if (count > 0) counts.set(k, count);
      else counts.delete(k);
      if (d > 0) {
        const p = pairs.get(k)!;
        heap.push({ count, left: p.left, right: p.right });
      }
    }
  }

  tokens.push(END_OF_TEXT);
  const json: TokenizerJson = {
    type: "byte-bpe",
    version: 1,
    pre: "gpt-2",
    tokens,
    merges,
    special: { [END_OF_TEXT]: tokens.length - 1 },
  };
  return BpeTokenizer.fromJSON(json, "trained tokenizer");
}
