// Scheduling policies: pure functions that pick which waiting request runs next. Chosen by name.

export interface Waiting {
  /** Arrival order (monotonic), the tie-breaker of every policy. */
  seq: number;
  tenant: string;
  /** Higher runs first under `priority`. */
  priority: number;
}

export interface PolicyState {
  /** Service each tenant has received, in tokens divided by its weight (its virtual time). */
  virtualTime: ReadonlyMap<string, number>;
}

/** Returns the index in `queue` (non-empty) of the request to start next. */
export type Policy = (queue: readonly Waiting[], state: PolicyState) => number;

function argBest(queue: readonly Waiting[], better: (a: Waiting, b: Waiting) => boolean): number {
  let best = 0;
  for (let i = 1; i < queue.length; i++) if (better(queue[i]!, queue[best]!)) best = i;
  return best;
}

export const fifo: Policy = (queue) => argBest(queue, (a, b) => a.seq < b.seq);

export const priority: Policy = (queue) => argBest(queue, (a, b) => a.priority > b.priority || (a.priority === b.priority && a.seq < b.seq));

/**
 * Weighted fair share across tenants, in the manner of start-time fair queueing (Goyal, Vin, Cheng
 * 1996): the tenant with the least weighted service so far goes next; within a tenant, arrival order.
 */
export const fairShare: Policy = (queue, state) => {
  const vt = (w: Waiting) => state.virtualTime.get(w.tenant) ?? 0;
  return argBest(queue, (a, b) => vt(a) < vt(b) || (vt(a) === vt(b) && a.seq < b.seq));
};

export const POLICIES = { fifo, priority, "fair-share": fairShare } as const satisfies Record<string, Policy>;
export type PolicyName = keyof typeof POLICIES;

export function isPolicyName(s: string): s is PolicyName {
  return Object.hasOwn(POLICIES, s);
}
