// The trusted dealer of preprocessing material (CrypTen's default "trusted first party" provider):
// Beaver triples (Beaver, CRYPTO 1991), matrix triples, truncation masks and bit-decomposed masks.
// Parties 1..n-1 expand their shares from a seed (prg.ts); party 0 gets value − Σ seeded shares, so one
// party's view is uniform. The dealer sees no input and no output; it must not collude (THREAT_MODEL.md).
import { randomBytes } from "node:crypto";
import { InvalidArgumentError } from "../../errors/index.ts";
import { mod, randomBelowPow2, randomBits, randomField } from "./field.ts";
import { matmulField } from "./linalg.ts";
import { prgField } from "./prg.ts";

export type PreprocessingRequest =
  | { kind: "triple"; n: number }
  | { kind: "matrix"; m: number; k: number; p: number }
  /** r = 2^m·r'' + r' with r' < 2^m, r'' < 2^(bits-m): for probabilistic truncation by m bits. */
  | { kind: "trunc"; n: number; m: number; bits: number }
  /** The m low bits of r' each shared, plus r'' < 2^(bits-m): for Mod2m / comparison. */
  | { kind: "bitmask"; n: number; m: number; bits: number };

export function requestLength(req: PreprocessingRequest): number {
  switch (req.kind) {
    case "triple": return 3 * req.n;
    case "matrix": return req.m * req.k + req.k * req.p + req.m * req.p;
    case "trunc": return 2 * req.n;
    case "bitmask": return req.n * req.m + req.n;
  }
}

const MAX_ELEMENTS = 50_000_000;

export function checkRequest(req: PreprocessingRequest): void {
  const len = requestLength(req);
  if (!Number.isSafeInteger(len) || len < 0 || len > MAX_ELEMENTS) throw new InvalidArgumentError("preprocessing", `request of ${len} elements is outside [0, ${MAX_ELEMENTS}]`);
}

/** The cleartext material of one request, flattened in the layout every party unflattens the same way. */
function generateValues(req: PreprocessingRequest): bigint[] {
  switch (req.kind) {
    case "triple": {
      const a = randomField(req.n);
      const b = randomField(req.n);
      return [...a, ...b, ...a.map((x, i) => mod(x * b[i]!))];
    }
    case "matrix": {
      const a = randomField(req.m * req.k);
      const b = randomField(req.k * req.p);
      return [...a, ...b, ...matmulField(a, b, req.m, req.k, req.p)];
    }
    case "trunc": {
      const low = randomBelowPow2(req.n, req.m);
      const high = randomBelowPow2(req.n, req.bits - req.m);
      const scale = 1n << BigInt(req.m);
      return [...low.map((l, i) => high[i]! * scale + l), ...low];
    }
    case "bitmask":
      return [...randomBits(req.n * req.m), ...randomBelowPow2(req.n, req.bits - req.m)];
  }
}

/** The dealer's state for one job: the seeds of parties 1..n-1 and the request counter. */
export class DealerCore {
  readonly seeds: Uint8Array[];
  private counter = 0n;
  constructor(readonly parties: number) {
    this.seeds = Array.from({ length: parties - 1 }, () => randomBytes(32));
  }

  /** Party 0's shares for request number `counter` (requests must come in order, as parties run one program). */
  shareForParty0(counter: bigint, req: PreprocessingRequest): bigint[] {
    checkRequest(req);
    if (counter !== this.counter) throw new InvalidArgumentError("preprocessing", `request ${counter} out of order (expected ${this.counter})`);
    this.counter++;
    const values = generateValues(req);
    for (const seed of this.seeds) {
      const s = prgField(seed, counter, values.length);
      for (let i = 0; i < values.length; i++) values[i] = values[i]! - s[i]!;
    }
    return values.map(mod);
  }
}

export interface Triples { a: bigint[]; b: bigint[]; c: bigint[] }
export interface TruncMasks { r: bigint[]; low: bigint[] }
export interface BitMasks { bits: bigint[]; high: bigint[] }

/** A party's view of the dealer: its own shares of each request, in program order. */
export class Preprocessing {
  private counter = 0n;
  /** Elements of material consumed (for benchmarks). */
  consumed = 0;
  constructor(
    readonly party: number,
    private readonly seed: Uint8Array | null,
    private readonly fetch: ((counter: bigint, req: PreprocessingRequest) => Promise<bigint[]>) | null,
  ) {
    if (party === 0 ? !fetch : !seed) throw new InvalidArgumentError("preprocessing", "party 0 needs a fetch function, other parties a seed");
  }

  private async get(req: PreprocessingRequest): Promise<bigint[]> {
    checkRequest(req);
    const counter = this.counter++;
    const len = requestLength(req);
    this.consumed += len;
    if (this.party === 0) {
      const v = await this.fetch!(counter, req);
      if (v.length !== len) throw new InvalidArgumentError("preprocessing", `dealer sent ${v.length} elements, expected ${len}`);
      return v;
    }
    return prgField(this.seed!, counter, len);
  }

  async triples(n: number): Promise<Triples> {
    const v = await this.get({ kind: "triple", n });
    return { a: v.slice(0, n), b: v.slice(n, 2 * n), c: v.slice(2 * n) };
  }

  async matrixTriple(m: number, k: number, p: number): Promise<Triples> {
    const v = await this.get({ kind: "matrix", m, k, p });
    return { a: v.slice(0, m * k), b: v.slice(m * k, m * k + k * p), c: v.slice(m * k + k * p) };
  }

  async truncMasks(n: number, m: number, bits: number): Promise<TruncMasks> {
    const v = await this.get({ kind: "trunc", n, m, bits });
    return { r: v.slice(0, n), low: v.slice(n) };
  }

  async bitMasks(n: number, m: number, bits: number): Promise<BitMasks> {
    const v = await this.get({ kind: "bitmask", n, m, bits });
    return { bits: v.slice(0, n * m), high: v.slice(n * m) };
  }
}

/** A dealer in the same process (tests, benchmarks): one Preprocessing per party. */
export function localDealer(parties: number): Preprocessing[] {
  const core = new DealerCore(parties);
  return Array.from({ length: parties }, (_, id) =>
    id === 0 ? new Preprocessing(0, null, async (c, req) => core.shareForParty0(c, req)) : new Preprocessing(id, core.seeds[id - 1]!, null),
  );
}
