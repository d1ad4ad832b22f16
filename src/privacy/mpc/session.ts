// One party's side of a secret-shared computation (semi-honest, additive shares over F_p, preprocessing
// from a dealer). Every method is called by all parties in the same order; shares are bigint[] vectors.
import { InvalidArgumentError } from "../../errors/index.ts";
import { ProtocolAbortError } from "./errors.ts";
import { shareAdditive } from "./additive.ts";
import type { Preprocessing } from "./dealer.ts";
import { bytesToField, FIELD_BYTES, fieldToBytes, inv, mod } from "./field.ts";
import { DEFAULT_FIXED, type FixedParams } from "./fixed.ts";
import { matmulField } from "./linalg.ts";
import { reconstructShamirVerified, shareShamir } from "./shamir.ts";
import type { Transport } from "./transport.ts";

export type Shared = bigint[];

export class Session {
  private step = 0;
  /** Rounds of communication so far (for benchmarks). */
  rounds = 0;
  constructor(
    readonly net: Transport,
    readonly pre: Preprocessing,
    readonly fixed: FixedParams = DEFAULT_FIXED,
  ) {}

  get id(): number { return this.net.id; }
  get n(): number { return this.net.n; }

  private tag(op: string): string {
    return `${this.step++}:${op}`;
  }

  private async recvField(from: number, tag: string, expected?: number): Promise<bigint[]> {
    const buf = await this.net.recv(from, tag);
    if (buf.byteLength % FIELD_BYTES !== 0) throw new ProtocolAbortError(`party ${from} sent a malformed frame for '${tag}'`);
    const count = buf.byteLength / FIELD_BYTES;
    if (expected !== undefined && count !== expected) throw new ProtocolAbortError(`party ${from} sent ${count} values for '${tag}', expected ${expected}`);
    return bytesToField(buf, count);
  }

  /** Secret-shares the owner's values; everybody gets a share vector. The length becomes public. */
  async input(owner: number, values: readonly bigint[] | null): Promise<Shared> {
    const tag = this.tag(`input${owner}`);
    if (this.id === owner) {
      if (!values) throw new InvalidArgumentError("input", `party ${owner} must provide its input`);
      const shares = shareAdditive(values, this.n);
      for (let j = 0; j < this.n; j++) if (j !== owner) this.net.send(j, tag, fieldToBytes(shares[j]!));
      return shares[owner]!;
    }
    return this.recvField(owner, tag);
  }

  /** Opens shared values to every party (one round). */
  async open(x: Shared): Promise<bigint[]> {
    const tag = this.tag("open");
    this.rounds++;
    const bytes = fieldToBytes(x);
    for (let j = 0; j < this.n; j++) if (j !== this.id) this.net.send(j, tag, bytes);
    const acc = [...x];
    for (let j = 0; j < this.n; j++) {
      if (j === this.id) continue;
      const s = await this.recvField(j, tag, x.length);
      for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + s[i]!;
    }
    return acc.map(mod);
  }

  /**
   * Reveals x only to the parties in `to`; the others get null and receive nothing about x. With n ≥ 3
   * the additive shares are first re-shared as one Shamir sharing of degree t = n-2, so a recipient can
   * check that all n shares lie on one polynomial and abort on a corrupted share. Price (THREAT_MODEL.md):
   * n-1 colluding parties could pool their Shamir shares of the output, where additive shares need all n.
   */
  async revealTo(x: Shared, to: readonly number[]): Promise<bigint[] | null> {
    const recipients = [...new Set(to)].sort((a, b) => a - b);
    if (recipients.length === 0 || recipients.some((r) => !Number.isInteger(r) || r < 0 || r >= this.n)) {
      throw new InvalidArgumentError("outputTo", `must name parties in [0, ${this.n - 1}]`);
    }
    if (this.n < 3) return this.revealPlain(x, recipients);
    const t = this.n - 2;
    const reshareTag = this.tag("reshare");
    const mine = shareShamir(x, t, this.n);
    for (let j = 0; j < this.n; j++) if (j !== this.id) this.net.send(j, reshareTag, fieldToBytes(mine[j]!.y));
    const point = [...mine[this.id]!.y];
    for (let j = 0; j < this.n; j++) {
      if (j === this.id) continue;
      const s = await this.recvField(j, reshareTag, x.length);
      for (let i = 0; i < point.length; i++) point[i] = point[i]! + s[i]!;
    }
    const g = point.map(mod);
    const revealTag = this.tag("reveal");
    this.rounds += 2;
    for (const r of recipients) if (r !== this.id) this.net.send(r, revealTag, fieldToBytes(g));
    if (!recipients.includes(this.id)) return null;
    const shares = [];
    for (let j = 0; j < this.n; j++) shares.push({ x: j + 1, y: j === this.id ? g : await this.recvField(j, revealTag, x.length) });
    return reconstructShamirVerified(shares, t, "output");
  }

  private async revealPlain(x: Shared, recipients: number[]): Promise<bigint[] | null> {
    const tag = this.tag("reveal");
    this.rounds++;
    for (const r of recipients) if (r !== this.id) this.net.send(r, tag, fieldToBytes(x));
    if (!recipients.includes(this.id)) return null;
    const acc = [...x];
    for (let j = 0; j < this.n; j++) {
      if (j === this.id) continue;
      const s = await this.recvField(j, tag, x.length);
      for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + s[i]!;
    }
    return acc.map(mod);
  }

  // ---- local (no communication) ----

  add(x: Shared, y: Shared): Shared { return x.map((v, i) => mod(v + y[i]!)); }
  sub(x: Shared, y: Shared): Shared { return x.map((v, i) => mod(v - y[i]!)); }
  /** x + c for public c: only party 0 adds, so the sum of shares moves by c. */
  addPublic(x: Shared, c: readonly bigint[] | bigint): Shared {
    if (this.id !== 0) return [...x];
    return x.map((v, i) => mod(v + (typeof c === "bigint" ? c : c[i]!)));
  }
  mulPublic(x: Shared, c: readonly bigint[] | bigint): Shared {
    return x.map((v, i) => mod(v * (typeof c === "bigint" ? c : c[i]!)));
  }
  /** Shares of a public constant vector. */
  constant(c: readonly bigint[]): Shared { return this.id === 0 ? c.map(mod) : c.map(() => 0n); }

  // ---- multiplication ----

  /** Elementwise product by Beaver's trick: open e = x−a, f = y−b; z = c + e·b + f·a + e·f. One round. */
  async mul(x: Shared, y: Shared): Promise<Shared> {
    if (x.length !== y.length) throw new InvalidArgumentError("mul", `operands differ in length (${x.length} vs ${y.length})`);
    const n = x.length;
    if (n === 0) return [];
    const { a, b, c } = await this.pre.triples(n);
    const ef = await this.open([...this.sub(x, a), ...this.sub(y, b)]);
    return x.map((_, i) => {
      const e = ef[i]!;
      const f = ef[n + i]!;
      const z = c[i]! + e * b[i]! + f * a[i]! + (this.id === 0 ? e * f : 0n);
      return mod(z);
    });
  }

  /** (m×k)·(k×p) with a dealer matrix triple (A, B, C = AB): one round, communication O(mk + kp). */
  async matmul(x: Shared, y: Shared, m: number, k: number, p: number): Promise<Shared> {
    if (x.length !== m * k || y.length !== k * p) throw new InvalidArgumentError("matmul", `shapes do not match ${m}×${k} · ${k}×${p}`);
    const { a, b, c } = await this.pre.matrixTriple(m, k, p);
    const ef = await this.open([...this.sub(x, a), ...this.sub(y, b)]);
    const e = ef.slice(0, m * k);
    const f = ef.slice(m * k);
    const eb = matmulField(e, b, m, k, p);
    const af = matmulField(a, f, m, k, p);
    const eff = this.id === 0 ? matmulField(e, f, m, k, p) : null;
    return c.map((v, i) => mod(v + eb[i]! + af[i]! + (eff ? eff[i]! : 0n)));
  }

  /**
   * Probabilistic truncation by m bits (Catrina & Saxena, FC 2010, Protocol TruncPr): open
   * c = x + 2^(k-1) + r with r = 2^m·r'' + r'; return (x − (c mod 2^m) + r')·2^-m. The result is
   * ⌊x/2^m⌋ + u with u ∈ {0,1}, Pr[u=1] = (x mod 2^m)/2^m: error below one unit in the last place,
   * unbiased; the opening hides x statistically (distance ≤ 2^-κ) when |x| < 2^(k-1).
   */
  async truncate(x: Shared, m = this.fixed.frac): Promise<Shared> {
    if (x.length === 0) return [];
    const k = this.fixed.truncBits;
    const { r, low } = await this.pre.truncMasks(x.length, m, k + this.fixed.kappa);
    const c = await this.open(this.add(this.addPublic(x, 1n << BigInt(k - 1)), r));
    const twoM = 1n << BigInt(m);
    const invTwoM = inv(twoM);
    return x.map((v, i) => {
      const cLow = c[i]! % twoM;
      const shifted = this.id === 0 ? v - cLow + low[i]! : v + low[i]!;
      return mod(shifted * invTwoM);
    });
  }

  /**
   * x·c for a public real c. c is encoded with f + e bits, e chosen so that c keeps ≥ 16 significant
   * bits even when tiny (e.g. lr/N), then the product is truncated by f + e bits.
   */
  async mulPublicReal(x: Shared, c: number): Promise<Shared> {
    if (!Number.isFinite(c) || c === 0) return c === 0 ? x.map(() => 0n) : Promise.reject(new InvalidArgumentError("constant", "must be finite"));
    const f = this.fixed.frac;
    const extra = Math.min(30, Math.max(0, 16 - f - Math.floor(Math.log2(Math.abs(c)))));
    const enc = mod(BigInt(Math.round(c * 2 ** (f + extra))));
    return this.truncate(this.mulPublic(x, enc), f + extra);
  }

  // ---- binary (XOR) shares of bit planes: 32 independent bits per word ----

  /** Opens XOR-shared words to every party (one round). */
  async openWords(x: Uint32Array): Promise<Uint32Array> {
    const tag = this.tag("openb");
    this.rounds++;
    const bytes = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    for (let j = 0; j < this.n; j++) if (j !== this.id) this.net.send(j, tag, bytes);
    const acc = Uint32Array.from(x);
    for (let j = 0; j < this.n; j++) {
      if (j === this.id) continue;
      const buf = await this.net.recv(j, tag);
      if (buf.byteLength !== x.byteLength) throw new ProtocolAbortError(`party ${j} sent ${buf.byteLength} bytes for '${tag}', expected ${x.byteLength}`);
      const s = new Uint32Array(Uint8Array.from(buf).buffer);
      for (let i = 0; i < acc.length; i++) acc[i]! ^= s[i]!;
    }
    return acc;
  }

  /** Bitwise AND of XOR-shared words with binary Beaver triples: z = c ⊕ (e∧b) ⊕ (f∧a) ⊕ (e∧f). */
  async andWords(x: Uint32Array, y: Uint32Array): Promise<Uint32Array> {
    const n = x.length;
    if (n === 0) return new Uint32Array(0);
    const { a, b, c } = await this.pre.binaryTriples(n);
    const masked = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) {
      masked[i] = x[i]! ^ a[i]!;
      masked[n + i] = y[i]! ^ b[i]!;
    }
    const ef = await this.openWords(masked);
    const z = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const e = ef[i]!;
      const f = ef[n + i]!;
      z[i] = c[i]! ^ (e & b[i]!) ^ (f & a[i]!) ^ (this.id === 0 ? e & f : 0);
    }
    return z;
  }

  /** Product of two fixed-point vectors (scale 2^2f) truncated back to scale 2^f. */
  async mulFixed(x: Shared, y: Shared): Promise<Shared> {
    return this.truncate(await this.mul(x, y));
  }

  async matmulFixed(x: Shared, y: Shared, m: number, k: number, p: number): Promise<Shared> {
    return this.truncate(await this.matmul(x, y, m, k, p));
  }
}
