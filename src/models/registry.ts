// The model registry: named, versioned models of each tenant, content-addressed GGUF blobs, aliases
// that move atomically, and lineage (parent, training data, privacy guarantee).
import { InvalidArgumentError, LlmosError, NotFoundError } from "../errors/index.ts";
import { BlobStore, migrate, type Db, prepared } from "../store/index.ts";
import { lineageFromCard } from "./card.ts";
import { ggufFacts } from "./gguf-facts.ts";
import { checkName, formatModelRef, parseModelRef } from "./names.ts";
import { MODEL_MIGRATIONS } from "./schema.ts";

/** Tenant of the models every tenant may use (the shipped default model). */
export const SYSTEM_TENANT = "system";

export interface Lineage {
  parent?: string;
  trainingData?: { sha256?: string; description?: string };
  privacy?: { epsilon: number; delta: number; accountant?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface RemoteSource {
  baseUrl: string;
  /** Model name on the upstream server. */
  model: string;
  /** Name of the environment variable holding the upstream key (the key itself is never stored). */
  apiKeyEnv?: string;
}

export interface ModelVersion {
  tenant: string;
  name: string;
  version: number;
  format: "gguf" | "remote" | "checkpoint";
  sha256: string | null;
  source: string | null;
  bytes: number;
  architecture: string | null;
  contextLength: number | null;
  quantization: string | null;
  parameters: number | null;
  lineage: Lineage;
  shared: boolean;
  createdAt: number;
  aliases: string[];
}

interface Row {
  tenant: string; name: string; version: number; format: ModelVersion["format"]; sha256: string | null; source: string | null;
  bytes: number; architecture: string | null; context_length: number | null; quantization: string | null; parameters: number | null;
  lineage: string; shared: number; created_at: number;
}

export class ModelRegistry {
  constructor(
    private readonly db: Db,
    readonly blobs: BlobStore,
  ) {
    migrate(db, "models", MODEL_MIGRATIONS);
  }

  private toVersion(r: Row): ModelVersion {
    const aliases = (prepared(this.db, "SELECT alias FROM model_aliases WHERE tenant = ? AND name = ? AND version = ? ORDER BY alias").all(r.tenant, r.name, r.version) as { alias: string }[]).map((a) => a.alias);
    return {
      tenant: r.tenant, name: r.name, version: r.version, format: r.format, sha256: r.sha256, source: r.source, bytes: r.bytes,
      architecture: r.architecture, contextLength: r.context_length, quantization: r.quantization, parameters: r.parameters,
      lineage: JSON.parse(r.lineage) as Lineage, shared: r.shared === 1, createdAt: r.created_at, aliases,
    };
  }

  private insert(v: Omit<ModelVersion, "version" | "aliases" | "createdAt">): ModelVersion {
    const row = this.db.transaction(() => {
      const { n } = prepared(this.db, "SELECT COALESCE(MAX(version), 0) AS n FROM model_versions WHERE tenant = ? AND name = ?").get(v.tenant, v.name) as { n: number };
      const r: Row = {
        tenant: v.tenant, name: v.name, version: n + 1, format: v.format, sha256: v.sha256, source: v.source, bytes: v.bytes,
        architecture: v.architecture, context_length: v.contextLength, quantization: v.quantization, parameters: v.parameters,
        lineage: JSON.stringify(v.lineage), shared: v.shared ? 1 : 0, created_at: Math.floor(Date.now() / 1000),
      };
      prepared(this.db, `INSERT INTO model_versions VALUES (@tenant, @name, @version, @format, @sha256, @source, @bytes, @architecture,
        @context_length, @quantization, @parameters, @lineage, @shared, @created_at)`).run(r);
      return r;
    })();
    return this.toVersion(row);
  }

  /** Copies a GGUF file into the blob store and records it as the next version of `name`. */
  async addGguf(tenant: string, name: string, file: string, opts: { lineage?: Lineage; shared?: boolean } = {}): Promise<ModelVersion> {
    checkName("name", name);
    const facts = await ggufFacts(file);
    // Lineage given by the caller wins over the card a training run left beside the file.
    const lineage = { ...lineageFromCard(file), ...opts.lineage };
    const { sha256, bytes } = await this.blobs.addFile(file);
    return this.insert({
      tenant, name, format: "gguf", sha256, source: null, bytes, architecture: facts.architecture, contextLength: facts.contextLength,
      quantization: facts.quantization, parameters: facts.parameters, lineage, shared: opts.shared ?? false,
    });
  }

  /** Records a remote OpenAI-compatible model (vLLM, Ollama, another LLMasOS) as the next version of `name`. */
  addRemote(tenant: string, name: string, remote: RemoteSource, opts: { contextLength?: number; lineage?: Lineage } = {}): ModelVersion {
    checkName("name", name);
    let url: URL;
    try {
      url = new URL(remote.baseUrl);
    } catch {
      throw new InvalidArgumentError("base_url", "must be an absolute http(s) URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError("base_url", "must be an http(s) URL");
    if (url.username || url.password) throw new InvalidArgumentError("base_url", "must not contain credentials; name an environment variable with --api-key-env");
    if (!remote.model) throw new InvalidArgumentError("upstream_model", "must name the model on the upstream server");
    if (remote.apiKeyEnv !== undefined && !/^[A-Z_][A-Z0-9_]{0,63}$/.test(remote.apiKeyEnv)) throw new InvalidArgumentError("api_key_env", "must be an environment variable name such as UPSTREAM_KEY");
    return this.insert({
      tenant, name, format: "remote", sha256: null, source: JSON.stringify({ ...remote, baseUrl: url.toString().replace(/\/$/, "") }), bytes: 0,
      architecture: null, contextLength: opts.contextLength ?? null, quantization: null, parameters: null, lineage: opts.lineage ?? {}, shared: false,
    });
  }

  /** Versions visible to `tenant`: its own and the shared system ones. */
  list(tenant: string): ModelVersion[] {
    const rows = prepared(this.db, "SELECT * FROM model_versions WHERE tenant = ? OR shared = 1 ORDER BY name, version").all(tenant) as Row[];
    return rows.map((r) => this.toVersion(r));
  }

  private ownerOf(tenant: string, name: string): string {
    const own = prepared(this.db, "SELECT 1 FROM model_versions WHERE tenant = ? AND name = ? LIMIT 1").get(tenant, name);
    if (own) return tenant;
    const shared = prepared(this.db, "SELECT tenant FROM model_versions WHERE name = ? AND shared = 1 LIMIT 1").get(name) as { tenant: string } | undefined;
    // Another tenant's model answers exactly like a missing one (invariant 4).
    if (!shared) throw new NotFoundError("model", name, "see GET /v1/models for the models you can use");
    return shared.tenant;
  }

  /** Resolves `name`, `name:version` or `name@alias` (plain name = newest version). */
  resolve(tenant: string, ref: string): ModelVersion {
    const r = parseModelRef(ref);
    const owner = this.ownerOf(tenant, r.name);
    let version = r.version;
    if (r.alias) {
      const a = prepared(this.db, "SELECT version FROM model_aliases WHERE tenant = ? AND name = ? AND alias = ?").get(owner, r.name, r.alias) as { version: number } | undefined;
      if (!a) throw new NotFoundError("model alias", formatModelRef(r));
      version = a.version;
    }
    const row = (version === undefined
      ? prepared(this.db, "SELECT * FROM model_versions WHERE tenant = ? AND name = ? ORDER BY version DESC LIMIT 1").get(owner, r.name)
      : prepared(this.db, "SELECT * FROM model_versions WHERE tenant = ? AND name = ? AND version = ?").get(owner, r.name, version)) as Row | undefined;
    if (!row) throw new NotFoundError("model version", formatModelRef(r));
    return this.toVersion(row);
  }

  /** Points `name@alias` at a version, atomically (one UPSERT). */
  setAlias(tenant: string, name: string, alias: string, version: number): ModelVersion {
    checkName("name", name);
    checkName("alias", alias);
    if (/^\d+$/.test(alias)) throw new InvalidArgumentError("alias", "must not be a number (that would read as a version)");
    const target = prepared(this.db, "SELECT * FROM model_versions WHERE tenant = ? AND name = ? AND version = ?").get(tenant, name, version) as Row | undefined;
    if (!target) throw new NotFoundError("model version", `${name}:${version}`);
    prepared(this.db, `INSERT INTO model_aliases (tenant, name, alias, version, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (tenant, name, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`).run(tenant, name, alias, version, Math.floor(Date.now() / 1000));
    return this.toVersion(target);
  }

  removeAlias(tenant: string, name: string, alias: string): void {
    const r = prepared(this.db, "DELETE FROM model_aliases WHERE tenant = ? AND name = ? AND alias = ?").run(tenant, name, alias);
    if (r.changes === 0) throw new NotFoundError("model alias", `${name}@${alias}`);
  }

  /** Removes one version; refused while an alias points at it. The blob goes when no version uses it. */
  async remove(tenant: string, name: string, version: number): Promise<void> {
    const row = prepared(this.db, "SELECT * FROM model_versions WHERE tenant = ? AND name = ? AND version = ?").get(tenant, name, version) as Row | undefined;
    if (!row) throw new NotFoundError("model version", `${name}:${version}`);
    const aliases = this.toVersion(row).aliases;
    if (aliases.length) {
      throw new LlmosError("conflict", 409, `${name}:${version} is the target of ${aliases.map((a) => `${name}@${a}`).join(", ")}; move or remove the alias first`, { data: { aliases } });
    }
    prepared(this.db, "DELETE FROM model_versions WHERE tenant = ? AND name = ? AND version = ?").run(tenant, name, version);
    if (row.sha256) {
      const still = prepared(this.db, "SELECT 1 FROM model_versions WHERE sha256 = ? LIMIT 1").get(row.sha256);
      if (!still) await this.blobs.remove(row.sha256);
    }
  }

  /** Path of a GGUF version's verified blob. */
  blobPath(v: ModelVersion): string {
    if (!v.sha256) throw new InvalidArgumentError("model", `${v.name}:${v.version} is not a local GGUF`);
    return this.blobs.path(v.sha256);
  }
}
