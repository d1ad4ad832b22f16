// Token buckets with an injected clock: bursts up to capacity, refill over time, Retry-After.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { RateLimiter, takeToken } from "./ratelimit.ts";

test("a burst of `capacity` passes, the next is refused with Retry-After, and time refills", () => {
  let now = 1_000_000;
  const rl = new RateLimiter({ capacity: 3, refillPerSecond: 0.5 }, () => now);
  for (let i = 0; i < 3; i++) assert.equal(rl.take("k").allowed, true);
  const refused = rl.take("k");
  assert.equal(refused.allowed, false);
  assert.equal(refused.retryAfterSeconds, 2);
  assert.equal(rl.take("other").allowed, true, "buckets are per key");
  now += 1999;
  assert.equal(rl.take("k").allowed, false);
  now += 2;
  assert.equal(rl.take("k").allowed, true);
  now += 3_600_000;
  for (let i = 0; i < 3; i++) assert.equal(rl.take("k").allowed, true, "refill stops at capacity");
  assert.equal(rl.take("k").allowed, false);
  assert.throws(() => new RateLimiter({ capacity: 0, refillPerSecond: 1 }), /capacity/);
  assert.throws(() => new RateLimiter({ capacity: 1, refillPerSecond: Number.NaN }), /refillPerSecond/);
});

test("property: over any schedule, allowed requests never exceed capacity + rate × elapsed", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0.01, max: 50, noNaN: true }), fc.array(fc.integer({ min: -500, max: 3000 }), { maxLength: 200 }), (capacity, rate, steps) => {
      let state: { tokens: number; atMs: number } | undefined;
      let now = 0;
      takeToken(undefined, 0, { capacity, refillPerSecond: rate }); // the bucket starts full at t = 0
      let allowed = 0;
      let maxNow = 0;
      state = { tokens: capacity, atMs: 0 };
      for (const dt of steps) {
        now += dt; // may go backwards: a clock step must not mint tokens
        maxNow = Math.max(maxNow, now);
        const r = takeToken(state, now, { capacity, refillPerSecond: rate });
        state = r.state;
        if (r.allowed) allowed++;
        else assert.ok(r.retryAfterSeconds >= 1);
      }
      // Time that is lived through twice (the clock stepped back) is refilled only once.
      assert.ok(allowed <= capacity + (rate * maxNow) / 1000 + 1e-9, `${allowed} allowed`);
    }),
  );
});
