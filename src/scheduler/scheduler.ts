// The scheduler: every generation asks it for a loaded model and a slot, then streams through it.
// Admission (bounded queue → 429), deadlines, cancellation and fair share all happen here.
import { LlmosError, TimeoutError } from "../errors/index.ts";
import type { EmbeddingResult, GenerationInput, GenerationOptions, ModelRuntime, StreamPart } from "../runtime/index.ts";
import type { PolicyName } from "./policies.ts";
import { SlotQueue, type Lease, type Ticket } from "./queue.ts";
import { Residency, type Loadable } from "./residency.ts";

export interface SchedulerOptions {
  policy: PolicyName;
  /** Waiting requests per model beyond its running ones. */
  maxQueue: number;
  /** Longest wait for a slot, in ms. */
  waitTimeoutMs: number;
  /** Longest generation, in ms, once it has a slot. */
  generationTimeoutMs: number;
  budgetBytes: number;
  keepAliveMs: number;
  weights?: ReadonlyMap<string, number>;
}

export interface Caller {
  tenant: string;
  /** The request's `user` field (routing rules may look at it). */
  user?: string;
  /** Conversation id: pseudonyms stay consistent across the requests that share it. */
  conversation?: string;
  priority?: number;
  signal?: AbortSignal;
}

export class Scheduler {
  private readonly queues = new Map<string, SlotQueue>();
  readonly residency: Residency;

  constructor(private readonly opts: SchedulerOptions) {
    this.residency = new Residency({
      budgetBytes: opts.budgetBytes,
      keepAliveMs: opts.keepAliveMs,
      onUnload: (key) => {
        this.queues.get(key)?.close(new LlmosError("model_unloaded", 503, "the model was unloaded; retry the request"));
        this.queues.delete(key);
      },
    });
  }

  stats(): { model: string; active: number; queued: number }[] {
    return [...this.queues].map(([model, q]) => ({ model, active: q.active, queued: q.queued }));
  }

  private queueFor(key: string, runtime: ModelRuntime): SlotQueue {
    let q = this.queues.get(key);
    if (!q) {
      q = new SlotQueue({ model: key, slots: runtime.slots, maxQueue: this.opts.maxQueue, policy: this.opts.policy, ...(this.opts.weights ? { weights: this.opts.weights } : {}) });
      this.queues.set(key, q);
    }
    return q;
  }

  private async admit(model: Loadable, caller: Caller): Promise<{ runtime: ModelRuntime; lease: Lease; done: () => void }> {
    const { runtime, done } = await this.residency.use(model);
    try {
      const ticket: Ticket = { tenant: caller.tenant, waitTimeoutMs: this.opts.waitTimeoutMs, ...(caller.priority !== undefined ? { priority: caller.priority } : {}), ...(caller.signal ? { signal: caller.signal } : {}) };
      const lease = await this.queueFor(model.key, runtime).acquire(ticket);
      return { runtime, lease, done };
    } catch (e) {
      done();
      throw e;
    }
  }

  /**
   * Waits for a slot of `model` (throwing QueueFullError, TimeoutError or the load error before any
   * output exists, so the caller can answer with a status), then returns the generation's stream.
   */
  async open(model: Loadable, input: GenerationInput, options: GenerationOptions, caller: Caller): Promise<AsyncIterable<StreamPart>> {
    const { runtime, lease, done } = await this.admit(model, caller);
    // One signal for the runtime: the deadline, or the caller going away. Linked by hand, since
    // AbortSignal.any costs ~30 µs per call on Node 20 (its weak references), on the TTFT path.
    const stop = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stop.abort();
    }, this.opts.generationTimeoutMs);
    timer.unref();
    const onCallerAbort = () => stop.abort(caller.signal?.reason);
    if (caller.signal?.aborted) stop.abort(caller.signal.reason);
    else caller.signal?.addEventListener("abort", onCallerAbort, { once: true });
    const signal = stop.signal;
    const limitMs = this.opts.generationTimeoutMs;
    async function* run(): AsyncGenerator<StreamPart> {
      let tokens = 0;
      try {
        for await (const part of runtime.stream(input, { ...options, signal })) {
          if (part.type === "finish") {
            tokens = part.usage.promptTokens + part.usage.completionTokens;
            if (part.finishReason === "abort" && timedOut && !caller.signal?.aborted) {
              yield { type: "error", error: new TimeoutError("generation", limitMs) };
              return;
            }
          }
          yield part;
        }
      } finally {
        clearTimeout(timer);
        caller.signal?.removeEventListener("abort", onCallerAbort);
        lease.release(tokens);
        done();
      }
    }
    return run();
  }

  async embed(model: Loadable, texts: string[], caller: Caller): Promise<EmbeddingResult> {
    const { runtime, lease, done } = await this.admit(model, caller);
    let tokens = 0;
    try {
      if (!runtime.embed) throw new LlmosError("unsupported", 400, `model '${model.key}' does not provide embeddings`);
      const r = await runtime.embed(texts);
      tokens = r.promptTokens;
      return r;
    } finally {
      lease.release(tokens);
      done();
    }
  }

  async dispose(): Promise<void> {
    for (const q of this.queues.values()) q.close(new LlmosError("shutting_down", 503, "the server is shutting down"));
    this.queues.clear();
    await this.residency.dispose();
  }
}
