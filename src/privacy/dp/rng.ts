// Randomness for DP noise: a CSPRNG stream (node:crypto) for releases, and a seeded AES-256-CTR
// keystream for reproducible tests only; releases refuse the seeded one (see assertReleaseRng).
import { createCipheriv, createHash, randomFillSync } from "node:crypto";
import { InvalidArgumentError } from "../../errors/index.ts";

const POOL_WORDS = 16384;
const TWO32 = 4294967296;

/** A source of uniform random words. Every sampler in this folder draws only from one of these. */
export class RandomSource {
  /** True for the test-only seeded stream; a DP release refuses such a source. */
  readonly seeded: boolean;
  private readonly pool = new Uint32Array(POOL_WORDS);
  private readonly bytes = new Uint8Array(this.pool.buffer);
  private pos = POOL_WORDS;
  private readonly refill: (out: Uint8Array) => void;

  private constructor(seeded: boolean, refill: (out: Uint8Array) => void) {
    this.seeded = seeded;
    this.refill = refill;
  }

  /** The operating system's CSPRNG (node:crypto randomFillSync), buffered 64 KiB at a time. */
  static secure(): RandomSource {
    return new RandomSource(false, (out) => randomFillSync(out));
  }

  /**
   * FOR TESTS ONLY: a deterministic stream, AES-256-CTR keyed by SHA-256 of the seed (node:crypto).
   * Reproducible, statistically uniform, and refused by every release path.
   */
  static seededForTests(seed: string | number): RandomSource {
    const key = createHash("sha256").update(`llmos-dp-test-seed:${seed}`).digest();
    const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
    const zeros = Buffer.alloc(POOL_WORDS * 4);
    return new RandomSource(true, (out) => {
      out.set(cipher.update(zeros));
    });
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    if (this.pos === POOL_WORDS) {
      this.refill(this.bytes);
      this.pos = 0;
    }
    return this.pool[this.pos++]!;
  }

  /** A fair coin. */
  bit(): boolean {
    return (this.uint32() & 1) === 1;
  }

  /** Exactly uniform integer in [0, n) for a safe integer n ≥ 1 (rejection sampling, no modulo bias). */
  below(n: number): number {
    if (n <= TWO32) {
      if (n === 1) return 0;
      const limit = TWO32 - (TWO32 % n);
      for (;;) {
        const x = this.uint32();
        if (x < limit) return x % n;
      }
    }
    if (n > Number.MAX_SAFE_INTEGER + 1) throw new RangeError("below: n exceeds 2^53");
    // Bits needed above the low word for n - 1 (integer arithmetic: log2 would round near 2^k).
    const hiMask = 2 ** (32 - Math.clz32(Math.floor((n - 1) / TWO32))) - 1;
    for (;;) {
      const x = (this.uint32() & hiMask) * TWO32 + this.uint32();
      if (x < n) return x;
    }
  }

  /** Exactly uniform bigint in [0, n) for n ≥ 1. */
  belowBig(n: bigint): bigint {
    if (n <= BigInt(Number.MAX_SAFE_INTEGER)) return BigInt(this.below(Number(n)));
    const bits = (n - 1n).toString(2).length;
    const words = Math.ceil(bits / 32);
    const mask = (1n << BigInt(bits)) - 1n;
    for (;;) {
      let x = 0n;
      for (let i = 0; i < words; i++) x = (x << 32n) | BigInt(this.uint32());
      x &= mask;
      if (x < n) return x;
    }
  }

  /** Uniform double in (0, 1) with 53 random bits (never 0, so log() is finite). */
  unitOpen(): number {
    for (;;) {
      const x = (this.uint32() >>> 11) * TWO32 + this.uint32(); // 21 + 32 = 53 bits
      if (x !== 0) return x / 9007199254740992;
    }
  }
}

/** Releases call this: a seeded stream would make the noise predictable, so it is refused. */
export function assertReleaseRng(rng: RandomSource, allowSeededForTests = false): void {
  if (rng.seeded && !allowSeededForTests) {
    throw new InvalidArgumentError("rng", "a seeded random source is for tests only and cannot be used for a DP release");
  }
}
