// The right edge of a growing Merkle tree: the roots of its perfect subtrees, so an append costs
// O(log n) hashes and yields the interior nodes it completes (stored beside the leaf for proofs).
import { EMPTY_ROOT, nodeHash, type Hash, type PerfectHash } from "./merkle.ts";

export class Frontier {
  /** Perfect subtree roots, largest first; entry i covers 2^levels[i] leaves. */
  private readonly hashes: Hash[] = [];
  private readonly levels: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Rebuilds the frontier of a tree of `size` leaves from its stored perfect subtrees. */
  static restore(size: number, get: PerfectHash): Frontier {
    const f = new Frontier();
    let start = 0;
    let top = 0;
    while (2 ** (top + 1) <= size) top++;
    for (let level = top; level >= 0 && size > 0; level--) {
      const width = 2 ** level;
      if (start + width <= size) {
        f.hashes.push(get(level, start / width));
        f.levels.push(level);
        start += width;
      }
    }
    f.count = size;
    return f;
  }

  /** Adds a leaf hash; returns the nodes it completes, by level 1, 2, … (as many as trailing ones of the old size). */
  append(leaf: Hash): Hash[] {
    const completed: Hash[] = [];
    let h = leaf;
    let level = 0;
    while (this.levels.length > 0 && this.levels[this.levels.length - 1] === level) {
      h = nodeHash(this.hashes.pop()!, h);
      this.levels.pop();
      level++;
      completed.push(h);
    }
    this.hashes.push(h);
    this.levels.push(level);
    this.count++;
    return completed;
  }

  /** MTH of all leaves so far: the perfect subtrees folded from the right (RFC 9162 §2.1.1). */
  root(): Hash {
    if (this.hashes.length === 0) return EMPTY_ROOT;
    let r = this.hashes[this.hashes.length - 1]!;
    for (let i = this.hashes.length - 2; i >= 0; i--) r = nodeHash(this.hashes[i]!, r);
    return r;
  }
}

/** A whole tree in memory (tests, small logs): every perfect subtree hash by level. */
export class MemoryTree {
  private readonly levels: Hash[][] = [[]];
  private readonly frontier = new Frontier();

  constructor(leaves: readonly Hash[] = []) {
    for (const l of leaves) this.append(l);
  }

  append(leaf: Hash): void {
    const index = this.frontier.size;
    const done = this.frontier.append(leaf);
    this.levels[0]!.push(leaf);
    done.forEach((h, i) => {
      const level = i + 1;
      (this.levels[level] ??= [])[Math.floor(index / 2 ** level)] = h;
    });
  }

  get size(): number {
    return this.frontier.size;
  }

  root(): Hash {
    return this.frontier.root();
  }

  readonly get: PerfectHash = (level, index) => {
    const h = this.levels[level]?.[index];
    if (!h) throw new RangeError(`no complete subtree at level ${level} index ${index}`);
    return h;
  };
}
