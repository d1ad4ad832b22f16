// Secret sharing, fixed-point and field primitives against plaintext, plus statistical checks on shares.
import { test } from "node:test";
import assert from "node:assert/strict";
import { reconstructAdditive, shareAdditive } from "./additive.ts";
import { bytesToField, fieldToBytes, inv, mod, P, randomField, toSigned } from "./field.ts";
import { decodeFixed, encodeFixed, inputLimit } from "./fixed.ts";
import { prgField } from "./prg.ts";
import { reconstructShamir, reconstructShamirVerified, shareShamir } from "./shamir.ts";

test("p = 2^127 − 1 and field inverses", () => {
  assert.equal(P, 170141183460469231731687303715884105727n);
  for (const a of [1n, 2n, 12345n, P - 1n, ...randomField(5)]) if (a !== 0n) assert.equal(mod(a * inv(a)), 1n);
  assert.throws(() => inv(0n), /zero/);
});

test("field elements round-trip through bytes; unreduced values are refused", () => {
  const v = [0n, 1n, P - 1n, ...randomField(20)];
  assert.deepEqual(bytesToField(fieldToBytes(v), v.length), v);
  assert.throws(() => fieldToBytes([P]), /reduced/);
  assert.throws(() => fieldToBytes([-1n]), /reduced/);
});

test("additive shares reconstruct; any n−1 shares look uniform (χ² over the low 4 bits)", () => {
  const secret = [42n, mod(-7n), 0n];
  for (const n of [2, 3, 5]) assert.deepEqual(reconstructAdditive(shareAdditive(secret, n)), secret);
  // Share the same secret 8000 times; the share of party 0 (which absorbs the secret) must still look uniform.
  const counts = new Array(16).fill(0);
  const trials = 8000;
  for (let i = 0; i < trials; i++) counts[Number(shareAdditive([5n], 3)[0]![0]! & 15n)]++;
  const expected = trials / 16;
  const chi2 = counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
  // χ²(15) has a 0.1% upper quantile of 37.70: a fixed secret leaking into the share would blow far past it.
  assert.ok(chi2 < 37.7, `χ² = ${chi2}`);
  // Per-bit frequencies over all 127 bits of party 1's share.
  const ones = new Array(127).fill(0);
  for (let i = 0; i < 2000; i++) {
    const sh = shareAdditive([0n], 3)[1]![0]!;
    for (let b = 0; b < 127; b++) ones[b] += Number((sh >> BigInt(b)) & 1n);
  }
  for (const c of ones) assert.ok(Math.abs(c - 1000) < 5 * Math.sqrt(500), `bit frequency ${c}/2000`);
});

test("Shamir (t, n): any t+1 shares reconstruct; verified reconstruction detects a corrupted share", () => {
  const secret = [123456789n, mod(-1n)];
  const shares = shareShamir(secret, 2, 5);
  assert.deepEqual(reconstructShamir(shares.slice(2), 2), secret);
  assert.deepEqual(reconstructShamir([shares[4]!, shares[0]!, shares[2]!], 2), secret);
  assert.deepEqual(reconstructShamirVerified(shares, 2), secret);
  for (let victim = 0; victim < 5; victim++) {
    const bad = shares.map((s, i) => (i === victim ? { x: s.x, y: [mod(s.y[0]! + 1n), s.y[1]!] } : s));
    assert.throws(() => reconstructShamirVerified(bad, 2), (e: Error & { code?: string }) => e.code === "mpc_inconsistent_share");
  }
  assert.throws(() => reconstructShamirVerified(shares.slice(0, 3), 2), /at least 4/);
  assert.throws(() => shareShamir(secret, 3, 3), /threshold/);
  assert.throws(() => reconstructShamir([shares[0]!, shares[0]!, shares[1]!], 2), /distinct/);
});

test("fixed point: encode/decode within 2^-17, negatives, overflow is a clear error", () => {
  const xs = [0, 1.5, -2.25, 3.14159, -1000.001, 1e6];
  const back = decodeFixed(encodeFixed(xs));
  xs.forEach((x, i) => assert.ok(Math.abs(back[i]! - x) <= 2 ** -17));
  assert.equal(toSigned(encodeFixed([-1])[0]!), -65536n);
  assert.throws(() => encodeFixed([inputLimit()], "values"), (e: Error & { code?: string }) => e.code === "mpc_overflow" && /values/.test(e.message));
  assert.throws(() => encodeFixed([Number.NaN]), /fixed-point range/);
});

test("the PRG is deterministic per (seed, stream) and differs across streams", () => {
  const seed = new Uint8Array(32).fill(7);
  assert.deepEqual(prgField(seed, 3n, 10), prgField(seed, 3n, 10));
  assert.notDeepEqual(prgField(seed, 3n, 10), prgField(seed, 4n, 10));
  assert.deepEqual(prgField(seed, 3n, 4), prgField(seed, 3n, 10).slice(0, 4));
});
