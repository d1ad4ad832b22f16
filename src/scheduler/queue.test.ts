import { test } from "node:test";
import assert from "node:assert/strict";
import { QueueFullError, TimeoutError } from "../errors/index.ts";
import { SlotQueue, type Lease } from "./index.ts";

test("admits up to the slot count, queues up to maxQueue, then refuses with a Retry-After", async () => {
  const q = new SlotQueue({ model: "m", slots: 2, maxQueue: 1, policy: "fifo" });
  const a = await q.acquire({ tenant: "t" });
  const b = await q.acquire({ tenant: "t" });
  assert.equal(q.active, 2);
  const c = q.acquire({ tenant: "t" });
  assert.equal(q.queued, 1);
  await assert.rejects(q.acquire({ tenant: "t" }), (e: unknown) => e instanceof QueueFullError && e.status === 429 && e.retryAfterSeconds >= 1);
  a.release(10);
  const lc = await c;
  assert.equal(q.active, 2);
  b.release(1);
  lc.release(1);
  assert.equal(q.active, 0);
});

test("a cancelled waiter leaves the queue and a timed-out one gets a TimeoutError", async () => {
  const q = new SlotQueue({ model: "m", slots: 1, maxQueue: 4, policy: "fifo" });
  const hold = await q.acquire({ tenant: "t" });
  const ac = new AbortController();
  const cancelled = q.acquire({ tenant: "t", signal: ac.signal });
  const timed = q.acquire({ tenant: "t", waitTimeoutMs: 20 });
  assert.equal(q.queued, 2);
  ac.abort();
  await assert.rejects(cancelled, /cancelled by the client/);
  await assert.rejects(timed, TimeoutError);
  assert.equal(q.queued, 0);
  hold.release(1);
});

async function order(policy: "fifo" | "fair-share", weights?: Map<string, number>): Promise<string[]> {
  const q = new SlotQueue({ model: "m", slots: 1, maxQueue: 100, policy, ...(weights ? { weights } : {}) });
  const ran: string[] = [];
  const first = await q.acquire({ tenant: "a" });
  // Tenant a floods the queue, then b and c each ask once.
  const pending: Promise<void>[] = [];
  const submit = (tenant: string) =>
    pending.push(q.acquire({ tenant }).then((lease: Lease) => {
      ran.push(tenant);
      // Each generation costs 100 tokens; release on the next tick so the queue drains in order.
      setImmediate(() => lease.release(100));
    }));
  for (let i = 0; i < 6; i++) submit("a");
  submit("b");
  submit("c");
  first.release(100);
  await Promise.all(pending);
  return ran;
}

test("fifo serves a flood first; fair share interleaves the other tenants at once", async () => {
  assert.deepEqual(await order("fifo"), ["a", "a", "a", "a", "a", "a", "b", "c"]);
  const fair = await order("fair-share");
  assert.deepEqual(fair.slice(0, 2).sort(), ["b", "c"]);
  assert.equal(fair.filter((t) => t === "a").length, 6);
});

test("fair share honours weights: a tenant of weight 3 gets about three turns per turn of weight 1", async () => {
  const q = new SlotQueue({ model: "m", slots: 1, maxQueue: 100, policy: "fair-share", weights: new Map([["gold", 3]]) });
  const ran: string[] = [];
  const hold = await q.acquire({ tenant: "x" });
  const pending: Promise<void>[] = [];
  for (let i = 0; i < 12; i++) {
    for (const tenant of ["gold", "basic"]) {
      pending.push(q.acquire({ tenant }).then((lease) => {
        ran.push(tenant);
        setImmediate(() => lease.release(100));
      }));
    }
  }
  hold.release(1);
  await Promise.all(pending);
  const firstEight = ran.slice(0, 8);
  assert.equal(firstEight.filter((t) => t === "gold").length, 6);
});
