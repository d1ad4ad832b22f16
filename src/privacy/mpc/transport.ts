// How parties exchange messages: a Transport delivers tagged byte frames between party ids. Tags are
// derived from each party's step counter, so parties running the same program agree on them. An
// in-memory network serves unit tests; net/tls-transport.ts is the networked one.
import { ProtocolAbortError } from "./errors.ts";

export interface Transport {
  readonly id: number;
  readonly n: number;
  send(to: number, tag: string, payload: Uint8Array): void;
  recv(from: number, tag: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Frames that arrived before anyone asked for them, and askers waiting for frames. */
export class Mailbox {
  private readonly ready = new Map<string, Uint8Array>();
  private readonly waiting = new Map<string, { resolve(b: Uint8Array): void; reject(e: Error): void }>();
  private failure: Error | undefined;
  /** Peers that hung up: receives from them fail, receives from the others go on. */
  private readonly gone = new Map<number, Error>();

  deliver(from: number, tag: string, payload: Uint8Array): void {
    const key = `${from}|${tag}`;
    const w = this.waiting.get(key);
    if (w) {
      this.waiting.delete(key);
      w.resolve(payload);
    } else if (this.ready.has(key)) {
      this.fail(new ProtocolAbortError(`party ${from} sent message '${tag}' twice`));
    } else {
      this.ready.set(key, payload);
    }
  }

  take(from: number, tag: string): Promise<Uint8Array> {
    // Frames that arrived before a failure stay readable: a peer may send its last frame and hang up.
    const key = `${from}|${tag}`;
    const b = this.ready.get(key);
    if (b) {
      this.ready.delete(key);
      return Promise.resolve(b);
    }
    const failure = this.failure ?? this.gone.get(from);
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => this.waiting.set(key, { resolve, reject }));
  }

  /**
   * Party `from` hung up. Only receives from it fail: a peer that sent its last frame and closed
   * must not abort a receive still waiting on a slower third party's frame.
   */
  failFrom(from: number, error: Error): void {
    if (this.gone.has(from)) return;
    this.gone.set(from, error);
    for (const [key, w] of this.waiting) {
      if (key.startsWith(`${from}|`)) {
        this.waiting.delete(key);
        w.reject(error);
      }
    }
  }

  /** A peer misbehaved or the job must stop: every pending and future receive fails, so the job aborts cleanly. */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }
}

/** n transports wired to each other in memory (one process; for tests and benchmarks). */
export function memoryNetwork(n: number, tap?: (from: number, to: number, tag: string, payload: Uint8Array) => Uint8Array): Transport[] {
  const boxes = Array.from({ length: n }, () => new Mailbox());
  return boxes.map((box, id) => ({
    id,
    n,
    send(to, tag, payload) {
      const data = tap ? tap(id, to, tag, payload) : payload;
      queueMicrotask(() => boxes[to]!.deliver(id, tag, data));
    },
    recv: (from, tag) => box.take(from, tag),
    close: async () => box.fail(new ProtocolAbortError("transport closed")),
  }));
}
