// Comparison and the non-linear functions built on it, by bit decomposition of a masked value:
// LTZ(x) = −⌊x / 2^(k-1)⌋ with an exact Mod2m whose carry is a bitwise less-than of a public value and
// dealer-shared random bits (Catrina & de Hoogh, "Improved primitives for secure multiparty integer
// computation", SCN 2010, Protocols 3.2 Mod2m, 4.1 BitLT, LTZ). As in CrypTen and ABY (Demmler et al.,
// NDSS 2015) the bitwise circuit runs on XOR shares packed 32 per word, and a daBit (Rotaru & Wood,
// INDOCRYPT 2019) brings the carry back to F_p. Inputs must satisfy |x| < 2^(k-1),
// k = fixed.compareBits; outputs are shared bits 0/1 (integers, no fixed-point scale).
import { inv, mod } from "./field.ts";
import type { Session, Shared } from "./session.ts";

/**
 * [c < r] for public m-bit integers c[e] and XOR-shared bits of r (plane i holds bit i of every
 * element, 32 elements per word), for every element at once. A balanced tree of (lt, eq) pairs:
 * lt = lt_hi ⊕ (eq_hi ∧ lt_lo), eq = eq_hi ∧ eq_lo (lt_hi and eq_hi∧lt_lo are never both 1, so ⊕ is ∨),
 * ⌈log2 m⌉ rounds of binary Beaver ANDs on packed words. Returns the XOR-shared result plane.
 */
export async function bitLessThan(s: Session, c: readonly bigint[], planes: Uint32Array, m: number): Promise<Uint32Array> {
  const count = c.length;
  const w = Math.ceil(count / 32);
  // Leaves: c_i < r_i ⇔ ¬c_i ∧ r_i; c_i = r_i ⇔ ¬(c_i ⊕ r_i). Both linear over GF(2) for public c.
  let lt: Uint32Array[] = [];
  let eq: Uint32Array[] = [];
  for (let i = 0; i < m; i++) {
    const cPlane = new Uint32Array(w);
    const bit = BigInt(i);
    for (let e = 0; e < count; e++) if ((c[e]! >> bit) & 1n) cPlane[e >>> 5]! |= 1 << (e & 31);
    const r = planes.subarray(i * w, (i + 1) * w);
    const l = new Uint32Array(w);
    const q = new Uint32Array(w);
    for (let k = 0; k < w; k++) {
      l[k] = r[k]! & ~cPlane[k]!;
      q[k] = s.id === 0 ? r[k]! ^ ~cPlane[k]! : r[k]!;
    }
    lt.push(l);
    eq.push(q);
  }
  while (lt.length > 1) {
    const pairs = Math.floor(lt.length / 2);
    const root = lt.length === 2; // at the root only lt is needed
    const left = new Uint32Array((root ? 1 : 2) * pairs * w);
    const right = new Uint32Array(left.length);
    for (let j = 0; j < pairs; j++) {
      left.set(eq[2 * j + 1]!, j * w);
      right.set(lt[2 * j]!, j * w);
      if (!root) {
        left.set(eq[2 * j + 1]!, (pairs + j) * w);
        right.set(eq[2 * j]!, (pairs + j) * w);
      }
    }
    const prod = await s.andWords(left, right);
    const nextLt: Uint32Array[] = [];
    const nextEq: Uint32Array[] = [];
    for (let j = 0; j < pairs; j++) {
      const l = Uint32Array.from(lt[2 * j + 1]!);
      const p = prod.subarray(j * w, (j + 1) * w);
      for (let k = 0; k < w; k++) l[k]! ^= p[k]!;
      nextLt.push(l);
      if (!root) nextEq.push(prod.slice((pairs + j) * w, (pairs + j + 1) * w));
    }
    if (lt.length % 2 === 1) {
      nextLt.push(lt[lt.length - 1]!);
      nextEq.push(eq[eq.length - 1]!);
    }
    lt = nextLt;
    eq = nextEq;
  }
  return lt[0]!;
}

/**
 * [x < 0] as a shared bit in F_p, for |x| < 2^(k-1) with k = compareBits. Open c = x + 2^(k-1) + r,
 * compute the carry u = [c mod 2^m < r'] on bits (m = k−1), convert u to F_p with a daBit (open u ⊕ b,
 * then u = d + b − 2db), and take x mod 2^m = (c mod 2^m) − r' + 2^m·u.
 */
export async function lessThanZero(s: Session, x: Shared): Promise<Shared> {
  if (x.length === 0) return [];
  const k = s.fixed.compareBits;
  const m = k - 1;
  const { r, low, dabit, planes, dabitPlane } = await s.pre.compareMasks(x.length, m, k + s.fixed.kappa);
  const twoM = 1n << BigInt(m);
  const c = await s.open(s.add(s.addPublic(x, 1n << BigInt(k - 1)), r));
  const cLow = c.map((v) => v % twoM);
  const u2 = await bitLessThan(s, cLow, planes, m);
  const masked = new Uint32Array(u2.length);
  for (let i = 0; i < u2.length; i++) masked[i] = u2[i]! ^ dabitPlane[i]!;
  const d = await s.openWords(masked);
  const invTwoM = inv(twoM);
  return x.map((v, e) => {
    const de = (d[e >>> 5]! >>> (e & 31)) & 1;
    // u = d ⊕ b in F_p: b if d = 0, 1 − b if d = 1.
    const u = de === 0 ? dabit[e]! : (s.id === 0 ? 1n : 0n) - dabit[e]!;
    const xMod = (s.id === 0 ? cLow[e]! : 0n) - low[e]! + twoM * u;
    // ⌊x/2^m⌋ = (x − x mod 2^m)/2^m ∈ {−1, 0}; [x < 0] is its negation.
    return mod(-(v - xMod) * invTwoM);
  });
}

/** [x ≥ y] elementwise. */
export async function greaterOrEqual(s: Session, x: Shared, y: Shared): Promise<Shared> {
  const lt = await lessThanZero(s, s.sub(x, y));
  return s.addPublic(s.mulPublic(lt, mod(-1n)), 1n);
}

/** Sign in {−1, +1} with sign(0) = +1: 1 − 2·[x < 0]. */
export async function sign(s: Session, x: Shared): Promise<Shared> {
  const lt = await lessThanZero(s, x);
  return s.addPublic(s.mulPublic(lt, mod(-2n)), 1n);
}

/** ReLU(x) = x·[x ≥ 0]: one comparison and one multiplication by a bit (no truncation). */
export async function relu(s: Session, x: Shared): Promise<Shared> {
  const lt = await lessThanZero(s, x);
  return s.mul(x, s.addPublic(s.mulPublic(lt, mod(-1n)), 1n));
}

/** Elementwise maximum: y + [x ≥ y]·(x − y). */
export async function maximum(s: Session, x: Shared, y: Shared): Promise<Shared> {
  const ge = await greaterOrEqual(s, x, y);
  return s.add(y, await s.mul(ge, s.sub(x, y)));
}

/**
 * Max and argmax of each row of a rows×cols matrix by a tournament (⌈log2 cols⌉ comparison rounds).
 * Ties go to the lower index. The index is a shared integer.
 */
export async function argmax(s: Session, x: Shared, rows: number, cols: number): Promise<{ max: Shared; index: Shared }> {
  let vals: Shared[] = [];
  let idx: Shared[] = [];
  for (let r = 0; r < rows; r++) {
    vals.push(x.slice(r * cols, (r + 1) * cols));
    idx.push(s.constant(Array.from({ length: cols }, (_, j) => BigInt(j))));
  }
  let width = cols;
  while (width > 1) {
    const pairs = Math.floor(width / 2);
    const a: bigint[] = [], b: bigint[] = [], ia: bigint[] = [], ib: bigint[] = [];
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < pairs; j++) {
        a.push(vals[r]![2 * j]!); b.push(vals[r]![2 * j + 1]!);
        ia.push(idx[r]![2 * j]!); ib.push(idx[r]![2 * j + 1]!);
      }
    }
    const ge = await greaterOrEqual(s, a, b);
    const sel = await s.mul([...ge, ...ge], [...s.sub(a, b), ...s.sub(ia, ib)]);
    const half = a.length;
    const nextV: Shared[] = [], nextI: Shared[] = [];
    for (let r = 0; r < rows; r++) {
      const v: bigint[] = [], i: bigint[] = [];
      for (let j = 0; j < pairs; j++) {
        const q = r * pairs + j;
        v.push(mod(b[q]! + sel[q]!));
        i.push(mod(ib[q]! + sel[half + q]!));
      }
      if (width % 2 === 1) { v.push(vals[r]![width - 1]!); i.push(idx[r]![width - 1]!); }
      nextV.push(v); nextI.push(i);
    }
    vals = nextV; idx = nextI;
    width = Math.ceil(width / 2);
  }
  return { max: vals.map((v) => v[0]!), index: idx.map((v) => v[0]!) };
}

/**
 * The piecewise-linear sigmoid of SecureML (Mohassel & Zhang, S&P 2017, §4.1): 0 below −1/2, x + 1/2 in
 * between, 1 above 1/2. Fixed-point in, fixed-point out.
 */
export async function sigmoidPiecewise(s: Session, x: Shared): Promise<Shared> {
  const half = 1n << BigInt(s.fixed.frac - 1);
  const one = 1n << BigInt(s.fixed.frac);
  const n = x.length;
  const lt = await lessThanZero(s, [...s.addPublic(x, half), ...s.addPublic(x, mod(-half))]);
  const b1 = lt.slice(0, n); // x < −1/2
  const b2 = lt.slice(n); // x < 1/2
  const middle = await s.mul(s.sub(b2, b1), s.addPublic(x, half));
  // (1 − b2)·1 in fixed point: one − one·b2.
  return s.add(s.addPublic(s.mulPublic(b2, mod(-one)), one), middle);
}
