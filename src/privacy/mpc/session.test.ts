// Beaver multiplication, matrix product, truncation, comparison and the functions built on it, run by
// three parties in memory and checked against plaintext.
import { test } from "node:test";
import assert from "node:assert/strict";
import { argmax, greaterOrEqual, lessThanZero, maximum, relu, sigmoidPiecewise, sign } from "./compare.ts";
import { mod } from "./field.ts";
import { decodeFixed, decodeInt, encodeFixed, encodeInt } from "./fixed.ts";
import { runLocal } from "./local.ts";
import type { Session } from "./session.ts";

async function shared(s: Session, owner: number, values: number[]) {
  return s.input(owner, s.id === owner ? encodeFixed(values) : null);
}

const close = (a: number[], b: number[], tol: number) => a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) <= tol, `index ${i}: ${x} vs ${b[i]}`));

test("open and Beaver multiplication match plaintext (integers and fixed point)", async () => {
  const xs = [3, -4, 0, 1000, -12345];
  const ys = [7, 5, -9, 1000, 3];
  const out = await runLocal(3, async (s) => {
    const x = await s.input(0, s.id === 0 ? encodeInt(xs) : null);
    const y = await s.input(1, s.id === 1 ? encodeInt(ys) : null);
    const ints = decodeInt(await s.open(await s.mul(x, y)));
    const fx = await shared(s, 0, [1.5, -2.25, 0.001]);
    const fy = await shared(s, 2, [2, 4.5, -3000]);
    const fixed = decodeFixed(await s.open(await s.mulFixed(fx, fy)));
    return { ints, fixed };
  });
  for (const o of out) {
    assert.deepEqual(o.ints, xs.map((x, i) => x * ys[i]! + 0));
    const ex = decodeFixed(encodeFixed([1.5, -2.25, 0.001])).map((x, i) => x * [2, 4.5, -3000][i]!);
    close(o.fixed, ex, 2 ** -16);
  }
});

test("secure matrix product equals the plaintext product within truncation error", async () => {
  const m = 3, k = 4, p = 2;
  const a = Array.from({ length: m * k }, (_, i) => (i % 5) - 2.5);
  const b = Array.from({ length: k * p }, (_, i) => 0.25 * i - 1);
  const expect: number[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < p; j++) expect.push(a.slice(i * k, i * k + k).reduce((acc, v, t) => acc + v * b[t * p + j]!, 0));
  const [r] = await runLocal(3, async (s) => decodeFixed(await s.open(await s.matmulFixed(await shared(s, 0, a), await shared(s, 1, b), m, k, p))));
  close(r!, expect, 2 ** -15);
});

test("probabilistic truncation errs by at most one unit in the last place and is unbiased", async () => {
  const raw = Array.from({ length: 400 }, (_, i) => (i - 200) * 977 + 12345);
  const [r] = await runLocal(3, async (s) => decodeInt(await s.open(await s.truncate(await s.input(0, s.id === 0 ? encodeInt(raw) : null), 8))));
  let bias = 0;
  raw.forEach((x, i) => {
    const d = r![i]! - x / 256;
    assert.ok(d > -1 && d < 1, `${x}: ${r![i]}`);
    bias += d;
  });
  assert.ok(Math.abs(bias / raw.length) < 0.1, `mean error ${bias / raw.length}`);
});

test("comparison, sign, ReLU, max, argmax and the SecureML sigmoid match plaintext", async () => {
  const xs = [-3.5, -0.0001, 0, 0.0001, 2, -100000, 99999.5, -0.4, 0.7];
  const ys = [1, 0, 0, 0, 3, -100001, 99999.25, -0.3, 0.7];
  const [r] = await runLocal(3, async (s) => {
    const x = await shared(s, 0, xs);
    const y = await shared(s, 1, ys);
    return {
      ltz: decodeInt(await s.open(await lessThanZero(s, x))),
      ge: decodeInt(await s.open(await greaterOrEqual(s, x, y))),
      sign: decodeInt(await s.open(await sign(s, x))),
      relu: decodeFixed(await s.open(await relu(s, x))),
      max: decodeFixed(await s.open(await maximum(s, x, y))),
      sig: decodeFixed(await s.open(await sigmoidPiecewise(s, x))),
    };
  });
  const enc = decodeFixed(encodeFixed(xs)); // the fixed-point values actually compared
  const encY = decodeFixed(encodeFixed(ys));
  assert.deepEqual(r!.ltz, enc.map((x) => (x < 0 ? 1 : 0)));
  assert.deepEqual(r!.ge, enc.map((x, i) => (x >= encY[i]! ? 1 : 0)));
  assert.deepEqual(r!.sign, enc.map((x) => (x < 0 ? -1 : 1)));
  assert.deepEqual(r!.relu, enc.map((x) => Math.max(0, x)));
  assert.deepEqual(r!.max, enc.map((x, i) => Math.max(x, encY[i]!)));
  close(r!.sig, enc.map((x) => (x < -0.5 ? 0 : x > 0.5 ? 1 : x + 0.5)), 1e-9);
});

test("argmax of each row (ties to the lower index), with 2 and 4 parties", async () => {
  const rows = [[0.1, 3, -2, 3, 1], [-5, -4, -6, -4.5, -7], [9, 1, 2, 3, 4]];
  for (const n of [2, 4]) {
    const [r] = await runLocal(n, async (s) => {
      const x = await shared(s, n - 1, rows.flat());
      const { max, index } = await argmax(s, x, 3, 5);
      return { max: decodeFixed(await s.open(max)), index: decodeInt(await s.open(index)) };
    });
    assert.deepEqual(r!.index, [1, 1, 0]);
    assert.deepEqual(r!.max, [3, -4, 9]);
  }
});

test("revealTo: only named parties learn the output; a corrupted reveal share is detected", async () => {
  const out = await runLocal(3, async (s) => s.revealTo(await s.input(1, s.id === 1 ? encodeInt([77, -1]) : null), [2]));
  assert.equal(out[0], null);
  assert.equal(out[1], null);
  assert.deepEqual(decodeInt(out[2]!), [77, -1]);
  // Party 0 flips a bit of what it sends in the reveal step.
  const tap = (from: number, _to: number, tag: string, payload: Uint8Array) => {
    if (from !== 0 || !tag.endsWith(":reveal")) return payload;
    const copy = Uint8Array.from(payload);
    copy[0]! ^= 1;
    return copy;
  };
  await assert.rejects(
    runLocal(3, async (s) => s.revealTo(await s.input(1, s.id === 1 ? encodeInt([5]) : null), [1, 2]), { tap }),
    (e: Error & { code?: string }) => e.code === "mpc_inconsistent_share",
  );
  assert.equal(mod(-1n) > 0n, true);
});

test("comparison on 1000 random values across many packed words, including the range edges", async () => {
  const limit = 2 ** 30;
  const ulp = 2 ** -16;
  const xs = [0, ulp, -ulp, limit - ulp, -limit + ulp, ...Array.from({ length: 995 }, (_, i) => (Math.sin(i * 7.13) * limit) / (1 + (i % 5) * 1000))];
  const ys = xs.map((_, i) => (i % 3 === 0 ? 0 : Math.cos(i) * 1000));
  const [r] = await runLocal(3, async (s) => {
    const x = await shared(s, 0, xs);
    const y = await shared(s, 2, ys);
    return { ltz: decodeInt(await s.open(await lessThanZero(s, x))), ge: decodeInt(await s.open(await greaterOrEqual(s, x, y))) };
  });
  const ex = decodeFixed(encodeFixed(xs));
  const ey = decodeFixed(encodeFixed(ys));
  assert.deepEqual(r!.ltz, ex.map((x) => (x < 0 ? 1 : 0)));
  assert.deepEqual(r!.ge, ex.map((x, i) => (x >= ey[i]! ? 1 : 0)));
});

test("products up to the stated 2^53 range truncate correctly", async () => {
  const xs = [3e7, -3e7, 1e8, 0.5];
  const ys = [-1.2e8, -1.2e8, 9e7, 2 ** 29];
  const [r] = await runLocal(3, async (s) => decodeFixed(await s.open(await s.mulFixed(await shared(s, 0, xs), await shared(s, 1, ys)))));
  xs.forEach((x, i) => {
    const want = x * ys[i]!;
    assert.ok(Math.abs(r![i]! - want) <= Math.abs(want) * 1e-12 + 2 ** -15, `${r![i]} vs ${want}`);
  });
});
