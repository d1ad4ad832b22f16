// llama.cpp on its own thread: a LlamaCppModel inside a worker, behind the same ModelRuntime
// interface. The decode loop (node-llama-cpp's JavaScript between llama_decode calls) then never
// waits for the server's thread, which meanwhile parses requests, runs the PII guard, writes the
// audit ledger and the SSE chunks; in-thread, each of those microseconds delayed the next decode
// (bench: serve, in-process vs threaded rows).
import { Worker } from "node:worker_threads";
import { LlmosError } from "../../errors/index.ts";
import type { EmbeddingResult, GenerationInput, ModelRuntime } from "../spec.ts";
import type { GenerationOptions, StreamPart } from "../stream.ts";
import type { LoadOptions } from "./model.ts";
import { fromWire, partFromWire, type FromWorker, type ToWorker } from "./protocol.ts";
import { AsyncQueue } from "./queue.ts";

const WORKER = new URL("./worker.ts", import.meta.url).href;
// The worker registers the TypeScript loader itself: hooks registered in this thread do not reach it.
const BOOT = `import("tsx/esm/api").then((api) => { api.register(); return import(${JSON.stringify(WORKER)}); })`;

export class ThreadedLlamaCppModel implements ModelRuntime {
  readonly kind = "llamacpp" as const;
  readonly embeddings = true;
  private nextId = 1;
  private readonly streams = new Map<number, AsyncQueue<StreamPart>>();
  private readonly embeds = new Map<number, { resolve(r: EmbeddingResult): void; reject(e: Error): void }>();
  private dead: LlmosError | undefined;
  private disposing: Promise<void> | undefined;
  private onDisposed: (() => void) | undefined;

  private constructor(readonly path: string, private readonly worker: Worker, readonly contextSize: number, readonly slots: number) {
    worker.on("message", (m: FromWorker) => this.receive(m));
    worker.on("error", (e) => this.fail(new LlmosError("runtime_crashed", 503, `${path}: the llama.cpp worker failed (${e.message}); retry the request`, { cause: e })));
    worker.on("exit", () => {
      this.fail(new LlmosError("model_unloaded", 503, `${path}: model was unloaded; retry the request`));
      this.onDisposed?.();
    });
  }

  static async load(path: string, opts: LoadOptions = {}): Promise<ThreadedLlamaCppModel> {
    const worker = new Worker(BOOT, { eval: true });
    worker.unref(); // an idle model never keeps the process alive; the server's socket does
    try {
      const loaded = await new Promise<{ contextSize: number; slots: number }>((resolve, reject) => {
        const onExit = (code: number) => reject(new LlmosError("model_not_loadable", 503, `${path}: the llama.cpp worker exited with code ${code} while loading`));
        worker.once("exit", onExit);
        worker.once("error", reject);
        worker.on("message", function first(m: FromWorker) {
          if (m.t !== "loaded" && m.t !== "load-error") return;
          worker.off("message", first);
          worker.off("exit", onExit);
          worker.off("error", reject);
          if (m.t === "loaded") resolve(m);
          else reject(fromWire(m.error));
        });
        worker.postMessage({ t: "load", path, opts } satisfies ToWorker);
      });
      return new ThreadedLlamaCppModel(path, worker, loaded.contextSize, loaded.slots);
    } catch (e) {
      await worker.terminate();
      throw e;
    }
  }

  private receive(m: FromWorker): void {
    if (m.t === "part") {
      const q = this.streams.get(m.id);
      if (!q) return;
      q.push(partFromWire(m.part));
      if (m.part.type !== "text-delta") {
        q.close();
        this.streams.delete(m.id);
      }
    } else if (m.t === "embedded" || m.t === "embed-error") {
      const p = this.embeds.get(m.id);
      this.embeds.delete(m.id);
      if (m.t === "embedded") p?.resolve(m.result);
      else p?.reject(fromWire(m.error));
    } else if (m.t === "disposed") {
      this.onDisposed?.();
    }
  }

  /** The worker is gone: every open generation ends with an error part, every embedding rejects. */
  private fail(error: LlmosError): void {
    this.dead ??= error;
    for (const q of this.streams.values()) {
      q.push({ type: "error", error });
      q.close();
    }
    this.streams.clear();
    for (const p of this.embeds.values()) p.reject(error);
    this.embeds.clear();
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  async *stream(input: GenerationInput, options: GenerationOptions): AsyncGenerator<StreamPart> {
    if (this.dead || this.disposing) {
      yield { type: "error", error: this.dead ?? new LlmosError("model_unloaded", 503, `${this.path}: model was unloaded; retry the request`) };
      return;
    }
    const { signal, ...rest } = options;
    const id = this.nextId++;
    const queue = new AsyncQueue<StreamPart>();
    this.streams.set(id, queue);
    let ended = false;
    const abort = () => {
      if (!ended) this.post({ t: "abort", id });
    };
    this.post({ t: "stream", id, input, options: rest });
    if (signal?.aborted) abort();
    signal?.addEventListener("abort", abort, { once: true });
    try {
      for await (const part of queue) {
        if (part.type !== "text-delta") ended = true;
        yield part;
      }
    } finally {
      signal?.removeEventListener("abort", abort);
      // A consumer that stopped early (a client gone, a pipeline done) frees the slot in the worker.
      if (!ended) abort();
      ended = true;
    }
  }

  embed(texts: string[]): Promise<EmbeddingResult> {
    if (this.dead || this.disposing) return Promise.reject(this.dead ?? new LlmosError("model_unloaded", 503, `${this.path}: model was unloaded; retry the request`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.embeds.set(id, { resolve, reject });
      this.post({ t: "embed", id, texts });
    });
  }

  dispose(): Promise<void> {
    this.disposing ??= (async () => {
      if (!this.dead) {
        await new Promise<void>((resolve) => {
          this.onDisposed = resolve;
          this.post({ t: "dispose" });
          setTimeout(resolve, 10_000).unref(); // a wedged worker is terminated anyway
        });
      }
      this.fail(new LlmosError("model_unloaded", 503, `${this.path}: model was unloaded; retry the request`));
      await this.worker.terminate();
    })();
    return this.disposing;
  }
}
