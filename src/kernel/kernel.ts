// Boot and wiring: the one place that knows every subsystem. Created once by `llmos serve` (or a
// test), disposed once.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LlmosError, NotFoundError } from "../errors/index.ts";
import { ModelRegistry, SYSTEM_TENANT, type ModelVersion, type RemoteSource } from "../models/index.ts";
import { LlamaCppModel, NativeModel, RemoteModel } from "../runtime/index.ts";
import { openPipeline, PipelineStore, Scheduler, type Loadable } from "../scheduler/index.ts";
import { BlobStore, openDatabase, sha256File, type Db } from "../store/index.ts";
import type { Caller } from "../scheduler/index.ts";
import type { EmbeddingResult, GenerationInput, GenerationOptions, StreamPart } from "../runtime/index.ts";
import type { KernelConfig } from "./config.ts";

export interface ModelTarget {
  id: string;
  version?: ModelVersion;
  open(input: GenerationInput, options: GenerationOptions, caller: Caller): Promise<AsyncIterable<StreamPart>>;
  embed?(texts: string[], caller: Caller): Promise<EmbeddingResult>;
}

export class Kernel {
  private constructor(
    readonly config: KernelConfig,
    readonly db: Db,
    readonly registry: ModelRegistry,
    readonly scheduler: Scheduler,
    readonly pipelines: PipelineStore,
  ) {}

  static async create(config: KernelConfig): Promise<Kernel> {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const db = openDatabase(join(config.dataDir, "llmos.db"));
    try {
      const registry = new ModelRegistry(db, new BlobStore(join(config.dataDir, "blobs")));
      const scheduler = new Scheduler({
        policy: config.policy,
        maxQueue: config.maxQueue,
        waitTimeoutMs: config.waitTimeoutMs,
        generationTimeoutMs: config.generationTimeoutMs,
        budgetBytes: config.memoryBudgetBytes,
        keepAliveMs: config.keepAliveMs,
      });
      const kernel = new Kernel(config, db, registry, scheduler, new PipelineStore(db));
      await kernel.deploy();
      return kernel;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Registers each deployed file as a shared system model, unless its newest version already has that content. */
  private async deploy(): Promise<void> {
    for (const [name, file] of this.config.deploy) {
      let current: ModelVersion | undefined;
      try {
        current = this.registry.resolve(SYSTEM_TENANT, name);
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
      if (current?.sha256 && current.sha256 === (await sha256File(file))) continue;
      await this.registry.addGguf(SYSTEM_TENANT, name, file, { shared: true, lineage: { trainingData: { description: "deployed at boot" } } });
    }
  }

  /** How the scheduler loads a registry version. Identical GGUF content shares one loaded runtime. */
  loadable(v: ModelVersion): Loadable {
    if (v.format === "gguf") {
      const path = this.registry.blobPath(v);
      const slots = this.config.slots;
      return {
        key: `gguf:${v.sha256}`,
        // File + KV cache and buffers: a rough estimate, enough for the budget to be meaningful.
        bytes: Math.ceil(v.bytes * 1.2) + 32 * 1024 * 1024,
        load: async () => {
          await this.registry.blobs.verify(v.sha256!);
          return LlamaCppModel.load(path, { slots });
        },
      };
    }
    if (v.format === "remote") {
      const src = JSON.parse(v.source!) as RemoteSource;
      return {
        key: `remote:${v.tenant}/${v.name}:${v.version}`,
        bytes: 0,
        load: async () => {
          const apiKey = src.apiKeyEnv ? process.env[src.apiKeyEnv] : undefined;
          return new RemoteModel({ baseUrl: src.baseUrl, model: src.model, ...(apiKey ? { apiKey } : {}), ...(v.contextLength ? { contextSize: v.contextLength } : {}), slots: this.config.slots });
        },
      };
    }
    return {
      key: `native:${v.source}`,
      bytes: Math.ceil((v.parameters ?? 0) * 4 * 1.5) + 64 * 1024 * 1024,
      load: () => NativeModel.load(v.source!),
    };
  }

  /** Whether `name` is a model the tenant can see (pipeline names must not shadow one). */
  isModelName(tenant: string, name: string): boolean {
    return this.registry.list(tenant).some((v) => v.name === name);
  }

  /** What a request names as `model` (a pipeline or a registry model), ready to generate through the scheduler. */
  target(tenant: string, ref: string, depth = 0): ModelTarget {
    if (depth > 4) throw new LlmosError("invalid_pipeline", 400, `pipelines nest deeper than 4 levels at '${ref}' (a cycle?)`, { data: { field: "model" } });
    const pipeline = /^[a-z0-9][a-z0-9._-]*$/.test(ref) ? this.pipelines.get(tenant, ref) : undefined;
    if (pipeline) {
      return {
        id: ref,
        open: (input, options, caller) => openPipeline(pipeline.definition, { input, options, caller, resolve: (r) => this.target(tenant, r, depth + 1) }),
      };
    }
    const v = this.registry.resolve(tenant, ref);
    const loadable = this.loadable(v);
    return {
      id: ref,
      version: v,
      open: (input, options, caller) => this.scheduler.open(loadable, input, options, caller),
      embed: (texts, caller) => this.scheduler.embed(loadable, texts, caller),
    };
  }

  async dispose(): Promise<void> {
    await this.scheduler.dispose();
    this.db.close();
  }
}
