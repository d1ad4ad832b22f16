// RFC 9162 Merkle tree: the certificate-transparency reference vectors (merkle_tree_test.cc, the
// eight standard leaves), and exhaustive proof round trips with tampering on small trees.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { Frontier, MemoryTree } from "./frontier.ts";
import { consistencyPath, EMPTY_ROOT, inclusionPath, leafHash, verifyConsistency, verifyInclusion, type Hash } from "./merkle.ts";

const INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map((h) => hexToBytes(h));
// Roots of the first n leaves, n = 0..8 (identical in CT's C++, Go and Java test suites and transparency-dev/merkle).
const ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const INCLUSION: [number, number, string[]][] = [
  [0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]],
  [5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]],
  [2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]],
  [1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]],
  [0, 1, []],
];
const CONSISTENCY: [number, number, string[]][] = [
  [1, 1, []],
  [1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]],
  [6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]],
  [2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]],
];

const leaves = INPUTS.map(leafHash);
const tree = new MemoryTree(leaves);
const hex = (hs: Hash[]) => hs.map(bytesToHex);
const flip = (h: Hash, bit = 0) => { const c = h.slice(); c[bit >> 3]! ^= 1 << (bit & 7); return c; };

test("empty root and the hash of the empty leaf are the published constants", () => {
  assert.equal(bytesToHex(EMPTY_ROOT), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(bytesToHex(leafHash(new Uint8Array(0))), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
});

test("roots of the first n of the eight CT leaves, n = 0..8, incrementally through the frontier", () => {
  const f = new Frontier();
  assert.equal(bytesToHex(f.root()), ROOTS[0]);
  leaves.forEach((l, i) => {
    f.append(l);
    assert.equal(bytesToHex(f.root()), ROOTS[i + 1], `root of ${i + 1}`);
    assert.equal(bytesToHex(Frontier.restore(i + 1, tree.get).root()), ROOTS[i + 1], `restored root of ${i + 1}`);
  });
});

test("inclusion proofs equal the CT reference paths and verify (§2.1.3)", () => {
  for (const [m, n, want] of INCLUSION) {
    const path = inclusionPath(tree.get, m, n);
    assert.deepEqual(hex(path), want, `PATH(${m}, D[${n}])`);
    assert.ok(verifyInclusion(leaves[m]!, m, n, path, hexToBytes(ROOTS[n]!)));
  }
});

test("consistency proofs equal the CT reference proofs and verify (§2.1.4)", () => {
  for (const [m, n, want] of CONSISTENCY) {
    const path = consistencyPath(tree.get, m, n);
    assert.deepEqual(hex(path), want, `PROOF(${m}, D[${n}])`);
    assert.ok(verifyConsistency(m, n, hexToBytes(ROOTS[m]!), hexToBytes(ROOTS[n]!), path));
  }
});

test("every proof of every tree up to 40 leaves verifies, and any change makes it fail", () => {
  const big = new MemoryTree(Array.from({ length: 40 }, (_, i) => leafHash(new Uint8Array([i, 7]))));
  const roots = [EMPTY_ROOT];
  const f = new Frontier();
  for (let i = 0; i < 40; i++) { f.append(big.get(0, i)); roots.push(f.root()); }
  for (let n = 1; n <= 40; n++) {
    for (let m = 0; m < n; m++) {
      const path = inclusionPath(big.get, m, n);
      const leaf = big.get(0, m);
      assert.ok(verifyInclusion(leaf, m, n, path, roots[n]!), `incl ${m}/${n}`);
      assert.ok(!verifyInclusion(flip(leaf), m, n, path, roots[n]!));
      if (n > 1) assert.ok(!verifyInclusion(leaf, (m + 1) % n, n, path, roots[n]!), `wrong index ${m}/${n}`);
      assert.ok(!verifyInclusion(leaf, m, n, [...path, leaf], roots[n]!), "longer path");
      if (path.length > 0) {
        assert.ok(!verifyInclusion(leaf, m, n, path.slice(1), roots[n]!), "shorter path");
        assert.ok(!verifyInclusion(leaf, m, n, [flip(path[0]!, 77), ...path.slice(1)], roots[n]!), "changed node");
      }
    }
    for (let m = 1; m <= n; m++) {
      const path = consistencyPath(big.get, m, n);
      assert.ok(verifyConsistency(m, n, roots[m]!, roots[n]!, path), `cons ${m}->${n}`);
      assert.ok(!verifyConsistency(m, n, flip(roots[m]!), roots[n]!, path));
      assert.ok(!verifyConsistency(m, n, roots[m]!, flip(roots[n]!), path));
      if (m < n) {
        assert.ok(!verifyConsistency(m, n, roots[m]!, roots[n]!, [flip(path[0]!, 9), ...path.slice(1)]), "changed proof node");
        assert.ok(!verifyConsistency(m, n, roots[m]!, roots[n]!, path.slice(0, -1)), "shorter proof");
        if (m > 1) assert.ok(!verifyConsistency(m - 1, n, roots[m]!, roots[n]!, path), "wrong first size");
      }
    }
  }
});

test("out-of-range sizes and indexes: generation throws a named error, verification fails", () => {
  assert.throws(() => inclusionPath(tree.get, 8, 8), /leaf_index/);
  assert.throws(() => inclusionPath(tree.get, -1, 8), /leaf_index/);
  assert.throws(() => inclusionPath(tree.get, 0, 0), /tree_size/);
  assert.throws(() => consistencyPath(tree.get, 0, 8), /first/);
  assert.throws(() => consistencyPath(tree.get, 9, 8), /first/);
  assert.throws(() => consistencyPath(tree.get, 1.5, 8), /first/);
  assert.ok(!verifyInclusion(leaves[0]!, 8, 8, [], EMPTY_ROOT));
  assert.ok(!verifyInclusion(leaves[0]!, Number.NaN, 8, [], EMPTY_ROOT));
  assert.ok(!verifyConsistency(5, 4, EMPTY_ROOT, EMPTY_ROOT, []));
  assert.ok(verifyConsistency(0, 8, EMPTY_ROOT, hexToBytes(ROOTS[8]!), []));
});
