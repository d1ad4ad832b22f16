// Which models are loaded: on demand, within a memory budget, least recently used unloaded first,
// idle ones unloaded after a keep-alive (as Ollama's OLLAMA_MAX_LOADED_MODELS / keep_alive do).
import { ModelUnavailableError } from "../errors/index.ts";
import type { ModelRuntime } from "../runtime/index.ts";

export interface Loadable {
  /** Stable key: one loaded runtime per key. */
  key: string;
  /** Estimated resident bytes once loaded. */
  bytes: number;
  load(): Promise<ModelRuntime>;
}

export interface ResidencyOptions {
  /** Total bytes of loaded models allowed. */
  budgetBytes: number;
  /** Unload a model idle for this long; 0 keeps models until memory is needed. */
  keepAliveMs: number;
  onUnload?: (key: string) => void;
}

interface Resident {
  key: string;
  bytes: number;
  runtime: Promise<ModelRuntime>;
  users: number;
  lastUsed: number;
  timer?: NodeJS.Timeout;
}

export class Residency {
  private readonly loaded = new Map<string, Resident>();

  constructor(private readonly opts: ResidencyOptions) {}

  get residentKeys(): string[] {
    return [...this.loaded.keys()];
  }

  get residentBytes(): number {
    let n = 0;
    for (const r of this.loaded.values()) n += r.bytes;
    return n;
  }

  /** The loaded runtime for `model` (loading it, and unloading others, if needed) and a function to hand it back. */
  async use(model: Loadable): Promise<{ runtime: ModelRuntime; done: () => void }> {
    let r = this.loaded.get(model.key);
    if (!r) {
      if (model.bytes > this.opts.budgetBytes) {
        throw new ModelUnavailableError(model.key, `it needs about ${model.bytes} bytes, more than the memory budget of ${this.opts.budgetBytes}`);
      }
      await this.makeRoom(model.bytes);
      const runtime = model.load();
      r = { key: model.key, bytes: model.bytes, runtime, users: 0, lastUsed: Date.now() };
      this.loaded.set(model.key, r);
      runtime.catch(() => {
        if (this.loaded.get(model.key) === r) this.loaded.delete(model.key);
      });
    }
    const resident = r;
    resident.users++;
    if (resident.timer) clearTimeout(resident.timer);
    let runtime: ModelRuntime;
    try {
      runtime = await resident.runtime;
    } catch (e) {
      resident.users--;
      throw e;
    }
    let done = false;
    return {
      runtime,
      done: () => {
        if (done) return;
        done = true;
        resident.users--;
        resident.lastUsed = Date.now();
        if (resident.users === 0 && this.opts.keepAliveMs > 0) {
          resident.timer = setTimeout(() => void this.unload(resident.key), this.opts.keepAliveMs);
          resident.timer.unref();
        }
      },
    };
  }

  /** Unloads idle models, least recently used first, until `bytes` more fit in the budget. */
  private async makeRoom(bytes: number): Promise<void> {
    const idle = [...this.loaded.values()].filter((r) => r.users === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    while (this.residentBytes + bytes > this.opts.budgetBytes) {
      const victim = idle.shift();
      if (!victim) {
        throw new ModelUnavailableError("(requested)", `the memory budget of ${this.opts.budgetBytes} bytes is held by models in use; retry shortly`, { data: { retryAfterSeconds: 1 } });
      }
      await this.unload(victim.key);
    }
  }

  async unload(key: string): Promise<void> {
    const r = this.loaded.get(key);
    if (!r || r.users > 0) return;
    this.loaded.delete(key);
    if (r.timer) clearTimeout(r.timer);
    this.opts.onUnload?.(key);
    await (await r.runtime.catch(() => undefined))?.dispose();
  }

  async dispose(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    for (const r of all) {
      if (r.timer) clearTimeout(r.timer);
      await (await r.runtime.catch(() => undefined))?.dispose();
    }
  }
}
