// Per-key token buckets: `capacity` requests in a burst, refilled at `refillPerSecond`. The step is
// a pure function of (state, now); the limiter holds the states and takes its clock as a parameter.
import { InvalidArgumentError } from "../../errors/index.ts";

export interface BucketOptions {
  capacity: number;
  refillPerSecond: number;
}

export interface BucketState {
  tokens: number;
  atMs: number;
}

export interface TakeResult {
  allowed: boolean;
  state: BucketState;
  /** When refused: seconds until one token is back (rounded up, ≥ 1). */
  retryAfterSeconds: number;
}

export function takeToken(state: BucketState | undefined, nowMs: number, opts: BucketOptions): TakeResult {
  const prev = state ?? { tokens: opts.capacity, atMs: nowMs };
  // A clock that goes backwards refills nothing rather than draining the bucket.
  const elapsed = Math.max(0, nowMs - prev.atMs) / 1000;
  const tokens = Math.min(opts.capacity, prev.tokens + elapsed * opts.refillPerSecond);
  const atMs = Math.max(prev.atMs, nowMs);
  if (tokens >= 1) return { allowed: true, state: { tokens: tokens - 1, atMs }, retryAfterSeconds: 0 };
  const wait = (1 - tokens) / opts.refillPerSecond;
  return { allowed: false, state: { tokens, atMs }, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
}

export class RateLimiter {
  private readonly buckets = new Map<string, BucketState>();
  private readonly maxKeys: number;

  constructor(
    readonly options: BucketOptions,
    private readonly clock: () => number = Date.now,
    maxKeys = 100_000,
  ) {
    if (!(options.capacity >= 1) || !Number.isFinite(options.capacity)) throw new InvalidArgumentError("capacity", "must be a finite number ≥ 1");
    if (!(options.refillPerSecond > 0) || !Number.isFinite(options.refillPerSecond)) throw new InvalidArgumentError("refillPerSecond", "must be a finite number > 0");
    this.maxKeys = maxKeys;
  }

  /** Seconds until `key` has a token again (0: it has one now); consumes nothing. */
  peek(key: string): number {
    const state = this.buckets.get(key);
    if (!state) return 0;
    const r = takeToken(state, this.clock(), this.options);
    return r.allowed ? 0 : r.retryAfterSeconds;
  }

  take(key: string): TakeResult {
    const r = takeToken(this.buckets.get(key), this.clock(), this.options);
    this.buckets.delete(key); // re-insert: Map order doubles as least-recently-used order
    this.buckets.set(key, r.state);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return r;
  }
}
