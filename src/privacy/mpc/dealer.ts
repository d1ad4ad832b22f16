// The trusted dealer of preprocessing material (CrypTen's default "trusted first party" provider):
// Beaver triples (Beaver, CRYPTO 1991), matrix triples, truncation masks, binary AND triples and
// comparison masks (random r with its low bits XOR-shared, plus a random bit shared both in F_p and
// in GF(2), a "daBit"). Parties 1..n-1 expand their shares from a seed (prg.ts); party 0 gets
// value − Σ seeded shares (field) or value ⊕ seeded shares (bits), so one party's view is uniform.
// The dealer sees no input and no output; it must not collude (THREAT_MODEL.md).
import { randomBytes } from "node:crypto";
import { InvalidArgumentError } from "../../errors/index.ts";
import { bytesToField, FIELD_BYTES, mod, randomBelowPow2, randomField } from "./field.ts";
import { matmulField } from "./linalg.ts";
import { prgBytes } from "./prg.ts";

export type PreprocessingRequest =
  | { kind: "triple"; n: number }
  | { kind: "matrix"; m: number; k: number; p: number }
  /** r = 2^m·r'' + r' with r' < 2^m, r'' < 2^(bits-m): for probabilistic truncation by m bits. */
  | { kind: "trunc"; n: number; m: number; bits: number }
  /** Binary AND triples on `words` 32-bit words (32 independent bit triples per word). */
  | { kind: "btriple"; words: number }
  /** For comparison: [r], [r'] in F_p, the m bits of r' as XOR-shared bit planes, and a daBit per element. */
  | { kind: "cmpmask"; n: number; m: number; bits: number };

/** Material of one request: field elements and 32-bit words, in a fixed layout. */
export interface Material { field: bigint[]; words: Uint32Array }

const wordsFor = (n: number) => Math.ceil(n / 32);

export function requestShape(req: PreprocessingRequest): { field: number; words: number } {
  switch (req.kind) {
    case "triple": return { field: 3 * req.n, words: 0 };
    case "matrix": return { field: req.m * req.k + req.k * req.p + req.m * req.p, words: 0 };
    case "trunc": return { field: 2 * req.n, words: 0 };
    case "btriple": return { field: 0, words: 3 * req.words };
    case "cmpmask": return { field: 3 * req.n, words: (req.m + 1) * wordsFor(req.n) };
  }
}

// One request's cap (field elements; words count a quarter): bounds the dealer's memory per request.
const MAX_ELEMENTS = 10_000_000;

export function checkRequest(req: PreprocessingRequest): void {
  const { field, words } = requestShape(req);
  const size = field + words / 4;
  if (!Number.isSafeInteger(field) || !Number.isSafeInteger(words) || field < 0 || words < 0 || size > MAX_ELEMENTS) {
    throw new InvalidArgumentError("preprocessing", `request of ${field} elements and ${words} words is too large`);
  }
  if ((req.kind === "trunc" || req.kind === "cmpmask") && !(req.m >= 1 && req.m < req.bits && req.bits <= 126)) {
    throw new InvalidArgumentError("preprocessing", "mask bit widths must satisfy 1 ≤ m < bits ≤ 126");
  }
}

function randomWords(count: number): Uint32Array {
  const b = randomBytes(count * 4);
  return new Uint32Array(b.buffer, b.byteOffset, count).slice();
}

const bitOf = (plane: Uint32Array, e: number) => (plane[e >>> 5]! >>> (e & 31)) & 1;

/** The cleartext material of one request. */
function generate(req: PreprocessingRequest): Material {
  const none = new Uint32Array(0);
  switch (req.kind) {
    case "triple": {
      const a = randomField(req.n);
      const b = randomField(req.n);
      return { field: [...a, ...b, ...a.map((x, i) => mod(x * b[i]!))], words: none };
    }
    case "matrix": {
      const a = randomField(req.m * req.k);
      const b = randomField(req.k * req.p);
      return { field: [...a, ...b, ...matmulField(a, b, req.m, req.k, req.p)], words: none };
    }
    case "trunc": {
      const low = randomBelowPow2(req.n, req.m);
      const high = randomBelowPow2(req.n, req.bits - req.m);
      const scale = 1n << BigInt(req.m);
      return { field: [...low.map((l, i) => high[i]! * scale + l), ...low], words: none };
    }
    case "btriple": {
      const a = randomWords(req.words);
      const b = randomWords(req.words);
      const words = new Uint32Array(3 * req.words);
      words.set(a, 0);
      words.set(b, req.words);
      for (let i = 0; i < req.words; i++) words[2 * req.words + i] = a[i]! & b[i]!;
      return { field: [], words };
    }
    case "cmpmask": {
      const { n, m } = req;
      const w = wordsFor(n);
      const planes = randomWords((m + 1) * w); // m planes of r' bits, then the daBit plane
      const high = randomBelowPow2(n, req.bits - m);
      const r: bigint[] = [];
      const low: bigint[] = [];
      const dabit: bigint[] = [];
      for (let e = 0; e < n; e++) {
        let v = 0n;
        for (let i = m - 1; i >= 0; i--) v = (v << 1n) | BigInt(bitOf(planes.subarray(i * w, (i + 1) * w), e));
        low.push(v);
        r.push(high[e]! * (1n << BigInt(m)) + v);
        dabit.push(BigInt(bitOf(planes.subarray(m * w), e)));
      }
      return { field: [...r, ...low, ...dabit], words: planes };
    }
  }
}

/** A party's seeded share of a request: field elements then words, from one PRG stream. */
function seededShare(seed: Uint8Array, counter: bigint, shape: { field: number; words: number }): Material {
  const bytes = prgBytes(seed, counter, shape.field * FIELD_BYTES + shape.words * 4);
  const field = bytesToField(bytes, shape.field);
  const off = shape.field * FIELD_BYTES;
  const words = new Uint32Array(bytes.buffer.slice(bytes.byteOffset + off, bytes.byteOffset + off + shape.words * 4));
  return { field, words };
}

/** The dealer's state for one job: the seeds of parties 1..n-1 and the request counter. */
export class DealerCore {
  readonly seeds: Uint8Array[];
  private counter = 0n;
  constructor(readonly parties: number) {
    this.seeds = Array.from({ length: parties - 1 }, () => randomBytes(32));
  }

  /** Party 0's shares for request number `counter` (requests must come in order, as parties run one program). */
  shareForParty0(counter: bigint, req: PreprocessingRequest): Material {
    checkRequest(req);
    if (counter !== this.counter) throw new InvalidArgumentError("preprocessing", `request ${counter} out of order (expected ${this.counter})`);
    this.counter++;
    const v = generate(req);
    const shape = requestShape(req);
    for (const seed of this.seeds) {
      const s = seededShare(seed, counter, shape);
      for (let i = 0; i < v.field.length; i++) v.field[i] = v.field[i]! - s.field[i]!;
      for (let i = 0; i < v.words.length; i++) v.words[i]! ^= s.words[i]!;
    }
    return { field: v.field.map(mod), words: v.words };
  }
}

export interface Triples { a: bigint[]; b: bigint[]; c: bigint[] }
export interface TruncMasks { r: bigint[]; low: bigint[] }
export interface BinaryTriples { a: Uint32Array; b: Uint32Array; c: Uint32Array }
export interface CompareMasks { r: bigint[]; low: bigint[]; dabit: bigint[]; planes: Uint32Array; dabitPlane: Uint32Array }

export type Fetch = (counter: bigint, req: PreprocessingRequest) => Promise<Material>;

/** A party's view of the dealer: its own shares of each request, in program order. */
export class Preprocessing {
  private counter = 0n;
  /** Field elements and words of material consumed (for benchmarks). */
  consumed = { field: 0, words: 0 };
  constructor(
    readonly party: number,
    private readonly seed: Uint8Array | null,
    private readonly fetch: Fetch | null,
  ) {
    if (party === 0 ? !fetch : !seed) throw new InvalidArgumentError("preprocessing", "party 0 needs a fetch function, other parties a seed");
  }

  private async get(req: PreprocessingRequest): Promise<Material> {
    checkRequest(req);
    const counter = this.counter++;
    const shape = requestShape(req);
    this.consumed.field += shape.field;
    this.consumed.words += shape.words;
    if (this.party === 0) {
      const v = await this.fetch!(counter, req);
      if (v.field.length !== shape.field || v.words.length !== shape.words) throw new InvalidArgumentError("preprocessing", "the dealer sent material of the wrong size");
      return v;
    }
    return seededShare(this.seed!, counter, shape);
  }

  async triples(n: number): Promise<Triples> {
    const v = (await this.get({ kind: "triple", n })).field;
    return { a: v.slice(0, n), b: v.slice(n, 2 * n), c: v.slice(2 * n) };
  }

  async matrixTriple(m: number, k: number, p: number): Promise<Triples> {
    const v = (await this.get({ kind: "matrix", m, k, p })).field;
    return { a: v.slice(0, m * k), b: v.slice(m * k, m * k + k * p), c: v.slice(m * k + k * p) };
  }

  async truncMasks(n: number, m: number, bits: number): Promise<TruncMasks> {
    const v = (await this.get({ kind: "trunc", n, m, bits })).field;
    return { r: v.slice(0, n), low: v.slice(n) };
  }

  async binaryTriples(words: number): Promise<BinaryTriples> {
    const v = (await this.get({ kind: "btriple", words })).words;
    return { a: v.subarray(0, words), b: v.subarray(words, 2 * words), c: v.subarray(2 * words) };
  }

  async compareMasks(n: number, m: number, bits: number): Promise<CompareMasks> {
    const { field, words } = await this.get({ kind: "cmpmask", n, m, bits });
    const w = wordsFor(n);
    return { r: field.slice(0, n), low: field.slice(n, 2 * n), dabit: field.slice(2 * n), planes: words.subarray(0, m * w), dabitPlane: words.subarray(m * w) };
  }
}

/** A dealer in the same process (tests, benchmarks): one Preprocessing per party. */
export function localDealer(parties: number): Preprocessing[] {
  const core = new DealerCore(parties);
  return Array.from({ length: parties }, (_, id) =>
    id === 0 ? new Preprocessing(0, null, async (c, req) => core.shareForParty0(c, req)) : new Preprocessing(id, core.seeds[id - 1]!, null),
  );
}
