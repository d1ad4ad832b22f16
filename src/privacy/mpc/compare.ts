// Comparison and the non-linear functions built on it, by bit decomposition of a masked value:
// LTZ(x) = −⌊x / 2^(k-1)⌋ with an exact Mod2m whose carry is a bitwise less-than of a public value and
// dealer-shared random bits (Catrina & de Hoogh, "Improved primitives for secure multiparty integer
// computation", SCN 2010, Protocols 3.2 Mod2m, 4.1 BitLT, LTZ). Inputs must satisfy |x| < 2^(k-1),
// k = fixed.compareBits; outputs are shared bits 0/1 (integers, no fixed-point scale).
import { inv, mod } from "./field.ts";
import type { Session, Shared } from "./session.ts";

/**
 * [c < r] for public m-bit integers c[e] and shared bits r[e*m + i] (bit i, least significant first), for
 * every element e. A balanced tree of (lt, eq) pairs: lt = lt_hi + eq_hi·lt_lo, eq = eq_hi·eq_lo, so
 * ⌈log2 m⌉ rounds and about 2m multiplications per element.
 */
export async function bitLessThan(s: Session, c: readonly bigint[], rBits: Shared, m: number): Promise<Shared> {
  const count = c.length;
  // Leaves: at bit i, c_i < r_i ⇔ (c_i = 0 ∧ r_i = 1); c_i = r_i ⇔ r_i if c_i = 1 else 1 − r_i. Linear in r_i.
  let lt: Shared[] = [];
  let eq: Shared[] = [];
  for (let e = 0; e < count; e++) {
    const lte: bigint[] = [];
    const eqe: bigint[] = [];
    for (let i = 0; i < m; i++) {
      const ci = (c[e]! >> BigInt(i)) & 1n;
      const ri = rBits[e * m + i]!;
      lte.push(ci === 1n ? 0n : ri);
      eqe.push(ci === 1n ? ri : s.id === 0 ? mod(1n - ri) : mod(-ri));
    }
    lt.push(lte);
    eq.push(eqe);
  }
  let width = m;
  while (width > 1) {
    const pairs = Math.floor(width / 2);
    const last = pairs === 1 && width === 2; // at the root only lt is needed
    const left: bigint[] = [];
    const right: bigint[] = [];
    for (let e = 0; e < count; e++) {
      for (let j = 0; j < pairs; j++) {
        const lo = 2 * j;
        const hi = 2 * j + 1;
        left.push(eq[e]![hi]!);
        right.push(lt[e]![lo]!);
        if (!last) {
          left.push(eq[e]![hi]!);
          right.push(eq[e]![lo]!);
        }
      }
    }
    const prod = await s.mul(left, right);
    const per = last ? 1 : 2;
    const nextLt: Shared[] = [];
    const nextEq: Shared[] = [];
    for (let e = 0; e < count; e++) {
      const l: bigint[] = [];
      const q: bigint[] = [];
      for (let j = 0; j < pairs; j++) {
        const base = (e * pairs + j) * per;
        l.push(mod(lt[e]![2 * j + 1]! + prod[base]!));
        if (!last) q.push(prod[base + 1]!);
      }
      if (width % 2 === 1) {
        l.push(lt[e]![width - 1]!);
        q.push(eq[e]![width - 1]!);
      }
      nextLt.push(l);
      nextEq.push(q);
    }
    lt = nextLt;
    eq = nextEq;
    width = Math.ceil(width / 2);
  }
  return lt.map((l) => l[0]!);
}

/** [x < 0] as a shared bit, for |x| < 2^(k-1) with k = compareBits. */
export async function lessThanZero(s: Session, x: Shared): Promise<Shared> {
  if (x.length === 0) return [];
  const k = s.fixed.compareBits;
  const m = k - 1;
  const { bits, high } = await s.pre.bitMasks(x.length, m, k + s.fixed.kappa);
  const twoM = 1n << BigInt(m);
  // r = 2^m·r'' + Σ 2^i r'_i, computed locally from the shared bits.
  const rLow = x.map((_, e) => {
    let acc = 0n;
    for (let i = 0; i < m; i++) acc += bits[e * m + i]! << BigInt(i);
    return mod(acc);
  });
  const r = rLow.map((v, e) => mod(v + high[e]! * twoM));
  const c = await s.open(s.add(s.addPublic(x, 1n << BigInt(k - 1)), r));
  const cLow = c.map((v) => v % twoM);
  const u = await bitLessThan(s, cLow, bits, m);
  // x mod 2^m = c' − r' + 2^m·u; so ⌊x/2^m⌋ = (x − x mod 2^m)/2^m ∈ {−1, 0} and [x < 0] is its negation.
  const xMod = x.map((_, e) => mod((s.id === 0 ? cLow[e]! : 0n) - rLow[e]! + twoM * u[e]!));
  const invTwoM = inv(twoM);
  return x.map((v, e) => mod(-(v - xMod[e]!) * invTwoM));
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
