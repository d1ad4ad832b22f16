// Applies BPE merges to one pre-token: repeatedly merge the adjacent pair with the lowest merge rank,
// the leftmost one on ties — the order llama.cpp's llm_tokenizer_bpe_session gets from its priority
// queue (comparator: rank, then left symbol index).

/** Token ids must stay below this so that a pair packs into one exact double. */
export const MAX_TOKENS = 1 << 21;

export function pairKey(left: number, right: number): number {
  return left * MAX_TOKENS + right;
}

export interface MergeTable {
  /** pairKey(left, right) -> merge rank. */
  readonly rank: Map<number, number>;
  /** Merge rank -> id of the merged token. */
  readonly result: Int32Array;
}

interface Candidate {
  rank: number;
  left: number;
  right: number;
  leftId: number;
  rightId: number;
}

function before(a: Candidate, b: Candidate): boolean {
  return a.rank < b.rank || (a.rank === b.rank && a.left < b.left);
}

function push(heap: Candidate[], c: Candidate): void {
  let i = heap.length;
  heap.push(c);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(c, heap[parent]!)) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = c;
}

function pop(heap: Candidate[]): Candidate {
  const top = heap[0]!;
  const last = heap.pop()!;
  if (heap.length > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const child = r < heap.length && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
  return top;
}

/** Merges `ids` (the byte tokens of one pre-token) in place of a copy; returns the final token ids. */
export function applyMerges(ids: number[], merges: MergeTable): number[] {
  const n = ids.length;
  if (n < 2) return ids.slice();
  const sym = Int32Array.from(ids);
  const prev = new Int32Array(n);
  const next = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  const heap: Candidate[] = [];
  const consider = (left: number): void => {
    const right = next[left]!;
    if (right < 0) return;
    const rank = merges.rank.get(pairKey(sym[left]!, sym[right]!));
    if (rank !== undefined) push(heap, { rank, left, right, leftId: sym[left]!, rightId: sym[right]! });
  };
  for (let i = 0; i + 1 < n; i++) consider(i);
  while (heap.length > 0) {
    const c = pop(heap);
    // Skip candidates made stale by an earlier merge (a side was absorbed or has grown).
    if (sym[c.left] !== c.leftId || sym[c.right] !== c.rightId || next[c.left] !== c.right) continue;
    sym[c.left] = merges.result[c.rank]!;
    sym[c.right] = -1;
    const after = next[c.right]!;
    next[c.left] = after;
    if (after >= 0) prev[after] = c.left;
    if (prev[c.left]! >= 0) consider(prev[c.left]!);
    consider(c.left);
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]!) out.push(sym[i]!);
  return out;
}
