// Boot and wiring: the one place that knows every subsystem. Created once by `llmos serve` (or a
// test), disposed once.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LlmosError, NotFoundError } from "../errors/index.ts";
import { ModelRegistry, SYSTEM_TENANT, type ModelVersion, type RemoteSource } from "../models/index.ts";
import { LlamaCppModel, NativeModel, RemoteModel } from "../runtime/index.ts";
import { openPipeline, PipelineStore, Scheduler, type Loadable, type StoredPipeline } from "../scheduler/index.ts";
import { BlobStore, openDatabase, sha256File, type Db } from "../store/index.ts";
import type { Caller } from "../scheduler/index.ts";
import { authorize, checkpointSealer, SecurityKernel, type Principal } from "../security/index.ts";
import { DpBudgetStore } from "../privacy/dp/index.ts";
import { audited } from "./audited.ts";
import { guarded, guardTexts, type PiiDeps } from "./guarded.ts";
import { PiiPolicyStore, PiiTenantKeys } from "./pii-policies.ts";
import { Analyzer, PseudonymVault, type TenantPiiPolicy } from "../privacy/pii/index.ts";
import { referencedModels } from "../scheduler/index.ts";
import type { EmbeddingResult, GenerationInput, GenerationOptions, StreamPart } from "../runtime/index.ts";
import type { KernelConfig } from "./config.ts";
import { CatalogCache } from "./catalog.ts";

/** A resolved `model` reference: a pipeline, or a registry version with what serving it needs. */
type Resolved =
  | { pipeline: StoredPipeline; remote: boolean }
  | { version: ModelVersion; loadable: Loadable; contracted: boolean };

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
    readonly security: SecurityKernel,
    readonly dp: DpBudgetStore,
    readonly piiPolicies: PiiPolicyStore,
    readonly vault: PseudonymVault,
  ) {
    this.piiKeys = new PiiTenantKeys(db, security.cipher);
    this.catalog = new CatalogCache(db);
    const policies = new CatalogCache<{ policy: TenantPiiPolicy | undefined }>(db);
    let analyzer: Analyzer | undefined;
    this.pii = { analyzer: () => (analyzer ??= new Analyzer()), vault, policy: (tenant) => policies.get(tenant, () => ({ policy: piiPolicies.get(tenant) })).policy };
  }

  /** The PII guard's parts: one analyzer (built on first use, ~0.5 s), the vault, the tenants' policies. */
  readonly pii: PiiDeps;
  readonly piiKeys: PiiTenantKeys;
  private readonly catalog: CatalogCache<Resolved>;

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
      const security = SecurityKernel.open({ dataDir: config.dataDir, db, rateLimit: config.rateLimit });
      const kernel = new Kernel(config, db, registry, scheduler, new PipelineStore(db), security, new DpBudgetStore(db), new PiiPolicyStore(db), new PseudonymVault(db, security.cipher));
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
      const { slots, threads } = this.config;
      return {
        key: `gguf:${v.sha256}`,
        // File + KV cache and buffers: a rough estimate, enough for the budget to be meaningful.
        bytes: Math.ceil(v.bytes * 1.2) + 32 * 1024 * 1024,
        load: async () => {
          await this.registry.blobs.verify(v.sha256!);
          return LlamaCppModel.load(path, { slots, ...(threads !== undefined ? { threads } : {}) });
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
      load: () => NativeModel.load(v.source!, checkpointSealer(this.security.cipher)),
    };
  }

  /** Whether a reference names a remote model (unknown references count as remote: the strict side). */
  private isRemote(tenant: string, ref: string): boolean {
    try {
      return this.registry.resolve(tenant, ref).format === "remote";
    } catch {
      return this.pipelines.get(tenant, ref) === undefined;
    }
  }

  /** Whether `name` is a model the tenant can see (pipeline names must not shadow one). */
  isModelName(tenant: string, name: string): boolean {
    return this.registry.list(tenant).some((v) => v.name === name);
  }

  /**
   * What a request names as `model` (a pipeline or a registry model), authorized for `principal`
   * and audited: every generation is on the ledger (input hash before any output, output hash after).
   */
  target(principal: Principal, ref: string): ModelTarget {
    return this.resolveTarget(principal, ref, 0, true);
  }

  /** What `ref` names for `tenant`, from the catalog cache (authorization and contracts run per request). */
  private resolve(tenant: string, ref: string): Resolved {
    return this.catalog.get(`${tenant}\u0000${ref}`, () => {
      const pipeline = /^[a-z0-9][a-z0-9._-]*$/.test(ref) ? this.pipelines.get(tenant, ref) : undefined;
      if (pipeline) return { pipeline, remote: referencedModels(pipeline.definition).some((r) => this.isRemote(tenant, r)) };
      const version = this.registry.resolve(tenant, ref);
      return { version, loadable: this.loadable(version), contracted: this.security.contracts.current({ kind: "model", tenant: version.tenant, id: version.name }) !== undefined };
    });
  }

  private resolveTarget(principal: Principal, ref: string, depth: number, audit: boolean): ModelTarget {
    if (depth > 4) throw new LlmosError("invalid_pipeline", 400, `pipelines nest deeper than 4 levels at '${ref}' (a cycle?)`, { data: { field: "model" } });
    const tenant = principal.tenant;
    const resolved = this.resolve(tenant, ref);
    if ("pipeline" in resolved) {
      const { pipeline, remote } = resolved;
      authorize(principal, "use", { kind: "pipeline", tenant, id: ref });
      const open: ModelTarget["open"] = (input, options, caller) =>
        openPipeline(pipeline.definition, { input, options, caller, resolve: (r) => this.resolveTarget(principal, r, depth + 1, false) });
      if (!audit) return { id: ref, open };
      // The guard runs once, at the pipeline; it takes the remote policy if any step may be remote.
      return { id: ref, open: guarded(this.pii, tenant, { name: ref, remote }, audited(this.security.ledger, principal, `pipeline:${ref}`, open)) };
    }
    const { version: v, loadable, contracted: hasContract } = resolved;
    // A shared system model is used under the caller's own tenant; the role still decides.
    authorize(principal, "use", { kind: "model", tenant: v.shared ? tenant : v.tenant, id: `${v.name}:${v.version}` });
    const contracted = { kind: "model" as const, tenant: v.tenant, id: v.name };
    if (hasContract) {
      this.security.contracts.enforce(contracted, { principal, purpose: "inference", model: { name: v.name, remote: v.format === "remote" }, piiPolicy: "none" });
    }
    const open: ModelTarget["open"] = (input, options, caller) => this.scheduler.open(loadable, input, options, caller);
    const model = { name: v.name, remote: v.format === "remote" };
    return {
      id: ref,
      version: v,
      open: audit ? guarded(this.pii, tenant, model, audited(this.security.ledger, principal, `model:${v.name}:${v.version}`, open)) : open,
      embed: (texts, caller) => this.scheduler.embed(loadable, guardTexts(this.pii, tenant, model, texts), caller),
    };
  }

  async dispose(): Promise<void> {
    await this.scheduler.dispose();
    await this.security.ledger.flush().catch(() => undefined); // closing checkpoints and syncs anyway
    this.security.close();
    this.db.close();
  }
}
