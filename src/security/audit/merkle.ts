// RFC 9162 §2.1 Merkle Tree Hash over SHA-256 (@noble/hashes): leaf and node hashing, inclusion
// and consistency proofs (generation §2.1.3.1 / §2.1.4.1, verification §2.1.3.2 / §2.1.4.2).
import { sha256 } from "@noble/hashes/sha2.js";
import { InvalidArgumentError } from "../../errors/index.ts";

export type Hash = Uint8Array;

/** MTH({}) = SHA-256() (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Hash = sha256(new Uint8Array(0));

/** MTH({d}) = SHA-256(0x00 || d) (RFC 9162 §2.1.1). */
export function leafHash(data: Uint8Array): Hash {
  const buf = new Uint8Array(data.length + 1);
  buf.set(data, 1); // buf[0] = 0x00
  return sha256(buf);
}

/** Interior node: SHA-256(0x01 || left || right) (RFC 9162 §2.1.1). */
export function nodeHash(left: Hash, right: Hash): Hash {
  const buf = new Uint8Array(65);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 33);
  return sha256(buf);
}

/**
 * Hash of a perfect subtree: level 0 is leaf `index`, level h covers leaves
 * [index·2^h, (index+1)·2^h). Proofs only ask for subtrees that are complete.
 */
export type PerfectHash = (level: number, index: number) => Hash;

/** The largest power of two strictly smaller than n (n ≥ 2): the split point k of §2.1.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPow2(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

/** MTH(D[start : start+size]) where `start` is a multiple of the subtree's split as in §2.1.1's recursion. */
export function rangeHash(get: PerfectHash, start: number, size: number): Hash {
  if (size === 0) return EMPTY_ROOT;
  if (isPow2(size)) return get(Math.log2(size), start / size);
  const k = splitPoint(size);
  return nodeHash(get(Math.log2(k), start / k), rangeHash(get, start + k, size - k));
}

function checkSize(field: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(field, `must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
}

/** RFC 9162 §2.1.3.1: PATH(m, D[n]), the inclusion proof of leaf m in the tree of the first n leaves. */
export function inclusionPath(get: PerfectHash, index: number, size: number): Hash[] {
  checkSize("tree_size", size, 1, Number.MAX_SAFE_INTEGER);
  checkSize("leaf_index", index, 0, size - 1);
  const out: Hash[] = [];
  const walk = (m: number, start: number, n: number): void => {
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, start, k);
      out.push(rangeHash(get, start + k, n - k));
    } else {
      walk(m - k, start + k, n - k);
      out.push(rangeHash(get, start, k));
    }
  };
  walk(index, 0, size);
  return out;
}

/** RFC 9162 §2.1.4.1: PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m ≤ n. */
export function consistencyPath(get: PerfectHash, first: number, second: number): Hash[] {
  checkSize("second", second, 1, Number.MAX_SAFE_INTEGER);
  checkSize("first", first, 1, second);
  const out: Hash[] = [];
  const sub = (m: number, start: number, n: number, whole: boolean): void => {
    if (m === n) {
      if (!whole) out.push(rangeHash(get, start, n));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, start, k, whole);
      out.push(rangeHash(get, start + k, n - k));
    } else {
      sub(m - k, start + k, n - k, false);
      out.push(rangeHash(get, start, k));
    }
  };
  sub(first, 0, second, true);
  return out;
}

export function hashEquals(a: Hash, b: Hash): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** RFC 9162 §2.1.3.2: does `path` prove that `leaf` is entry `index` of the tree of `size` with `root`? */
export function verifyInclusion(leaf: Hash, index: number, size: number, path: readonly Hash[], root: Hash): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  // fn and sn exceed 2^31 in large logs, so shift by division rather than with >>.
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn /= 2; sn = Math.floor(sn / 2); }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && hashEquals(r, root);
}

/** RFC 9162 §2.1.4.2: does `path` prove that the tree (first, firstRoot) is a prefix of (second, secondRoot)? */
export function verifyConsistency(first: number, second: number, firstRoot: Hash, secondRoot: Hash, path: readonly Hash[]): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second) return false;
  // Every tree extends the empty one; equal sizes need equal roots and nothing else (§2.1.4.1).
  if (first === 0) return path.length === 0 && hashEquals(firstRoot, EMPTY_ROOT);
  if (first === second) return path.length === 0 && hashEquals(firstRoot, secondRoot);
  if (path.length === 0) return false;
  const nodes = isPow2(first) ? [firstRoot, ...path] : [...path];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr = nodes[0]!;
  let sr = nodes[0]!;
  for (const c of nodes.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn /= 2; sn = Math.floor(sn / 2); }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && hashEquals(fr, firstRoot) && hashEquals(sr, secondRoot);
}
