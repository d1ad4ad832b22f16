// Admission and slot allocation for one model: at most `slots` requests run at once, at most
// `maxQueue` wait; which waiter runs next is the policy's choice.
import { LlmosError, QueueFullError, TimeoutError } from "../errors/index.ts";
import { POLICIES, type PolicyName, type Waiting } from "./policies.ts";

export interface SlotQueueOptions {
  model: string;
  slots: number;
  maxQueue: number;
  policy: PolicyName;
  /** Relative weight per tenant for fair share (default 1). */
  weights?: ReadonlyMap<string, number>;
}

export interface Ticket {
  tenant: string;
  priority?: number;
  signal?: AbortSignal;
  /** Longest time to wait for a slot, in ms. */
  waitTimeoutMs?: number;
}

export interface Lease {
  /** Gives the slot back, charging `tokens` of service to the tenant (fair share). */
  release(tokens: number): void;
}

interface Entry extends Waiting {
  grant: (lease: Lease) => void;
  fail: (e: Error) => void;
  cleanup: () => void;
}

export class SlotQueue {
  private running = 0;
  private seq = 0;
  private readonly waiting: Entry[] = [];
  private readonly virtualTime = new Map<string, number>();
  /** Mean seconds a slot is held, for Retry-After. */
  private meanHoldMs = 1000;

  constructor(private readonly opts: SlotQueueOptions) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Waits for a slot; rejects with QueueFullError at once when the queue is full. */
  acquire(ticket: Ticket): Promise<Lease> {
    if (ticket.signal?.aborted) return Promise.reject(new LlmosError("aborted", 499, "the request was cancelled by the client"));
    this.joinTenant(ticket.tenant);
    if (this.running < this.opts.slots && this.waiting.length === 0) return Promise.resolve(this.lease(ticket.tenant));
    if (this.waiting.length >= this.opts.maxQueue) {
      const retry = Math.max(1, Math.ceil(((this.waiting.length / this.opts.slots) * this.meanHoldMs) / 1000));
      return Promise.reject(new QueueFullError(this.opts.model, this.opts.maxQueue, retry));
    }
    return new Promise<Lease>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        this.remove(entry);
        reject(new LlmosError("aborted", 499, "the request was cancelled by the client"));
      };
      const entry: Entry = {
        seq: this.seq++,
        tenant: ticket.tenant,
        priority: ticket.priority ?? 0,
        grant: resolve,
        fail: reject,
        cleanup: () => {
          if (timer) clearTimeout(timer);
          ticket.signal?.removeEventListener("abort", onAbort);
        },
      };
      ticket.signal?.addEventListener("abort", onAbort, { once: true });
      if (ticket.waitTimeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.remove(entry);
          reject(new TimeoutError(`waiting for a slot of model '${this.opts.model}'`, ticket.waitTimeoutMs!));
        }, ticket.waitTimeoutMs);
      }
      this.waiting.push(entry);
    });
  }

  private remove(entry: Entry): void {
    const i = this.waiting.indexOf(entry);
    if (i >= 0) this.waiting.splice(i, 1);
    entry.cleanup();
  }

  /** A tenant that (re)joins starts at the smallest virtual time among active tenants, so idling banks no credit. */
  private joinTenant(tenant: string): void {
    if (this.virtualTime.has(tenant)) return;
    let min = Infinity;
    for (const v of this.virtualTime.values()) min = Math.min(min, v);
    this.virtualTime.set(tenant, Number.isFinite(min) ? min : 0);
  }

  private lease(tenant: string): Lease {
    this.running++;
    const started = Date.now();
    let released = false;
    return {
      release: (tokens: number) => {
        if (released) return;
        released = true;
        this.running--;
        this.meanHoldMs = 0.9 * this.meanHoldMs + 0.1 * (Date.now() - started);
        const weight = this.opts.weights?.get(tenant) ?? 1;
        this.virtualTime.set(tenant, (this.virtualTime.get(tenant) ?? 0) + Math.max(1, tokens) / weight);
        this.dispatch();
      },
    };
  }

  private dispatch(): void {
    while (this.running < this.opts.slots && this.waiting.length > 0) {
      const i = POLICIES[this.opts.policy](this.waiting, { virtualTime: this.virtualTime });
      const [entry] = this.waiting.splice(i, 1);
      entry!.cleanup();
      entry!.grant(this.lease(entry!.tenant));
    }
    if (this.running === 0 && this.waiting.length === 0) this.forgetIdleTenants();
  }

  /** With nothing running or waiting every tenant is idle: start the next busy period from zero. */
  private forgetIdleTenants(): void {
    this.virtualTime.clear();
  }

  /** Rejects every waiter (the model is being unloaded or the server is shutting down). */
  close(error: Error): void {
    for (const e of this.waiting.splice(0)) {
      e.cleanup();
      e.fail(error);
    }
  }
}
