// /v1/os/models: the registry over HTTP (list, show, add, alias, remove) and GET /v1/models.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { LlmosError } from "../errors/index.ts";
import type { ModelRegistry, ModelVersion } from "../models/index.ts";
import { authorize, type Principal } from "../security/index.ts";
import { parseBody } from "./schemas.ts";

export interface ModelRouteDeps {
  registry: ModelRegistry;
  /** Virtual models (pipelines) the tenant can call, for /v1/models. */
  pipelines(tenant: string): { name: string; created: number }[];
}

/** Registry changes are `write` on a model of the caller's tenant (the one authorization function decides). */
const mayWrite = (p: Principal, name: string) => authorize(p, "write", { kind: "model", tenant: p.tenant, id: name });

const view = (v: ModelVersion) => ({
  name: v.name, version: v.version, aliases: v.aliases, format: v.format, sha256: v.sha256, bytes: v.bytes,
  architecture: v.architecture, context_length: v.contextLength, quantization: v.quantization, parameters: v.parameters,
  lineage: v.lineage, shared: v.shared, created: v.createdAt,
});

const addBody = z.union([
  z.object({ name: z.string(), path: z.string().min(1) }).strict(),
  z.object({ name: z.string(), remote: z.object({ base_url: z.string(), model: z.string().min(1), api_key_env: z.string().optional(), context_length: z.number().int().positive().optional() }).strict() }).strict(),
]);

const version = (s: string) => {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 1) throw new LlmosError("invalid_argument", 400, "version: must be an integer ≥ 1", { data: { field: "version" } });
  return n;
};

export function modelRoutes(app: FastifyInstance, deps: ModelRouteDeps): void {
  const { registry } = deps;
  app.get("/v1/models", async (req) => {
    const seen = new Map<string, ModelVersion>();
    for (const v of registry.list(req.principal.tenant)) seen.set(v.name, v); // newest version last
    const data = [...seen.values()].map((v) => ({ id: v.name, object: "model", created: v.createdAt, owned_by: v.shared ? "llmos" : v.tenant }));
    for (const p of deps.pipelines(req.principal.tenant)) data.push({ id: p.name, object: "model", created: p.created, owned_by: req.principal.tenant });
    return { object: "list", data };
  });
  app.get("/v1/os/models", async (req) => ({ object: "list", data: registry.list(req.principal.tenant).map(view) }));
  app.get<{ Params: { ref: string } }>("/v1/os/models/:ref", async (req) => view(registry.resolve(req.principal.tenant, req.params.ref)));
  app.post("/v1/os/models", async (req, reply) => {
    const body = parseBody(addBody, req.body);
    mayWrite(req.principal, body.name);
    const tenant = req.principal.tenant;
    let v: ModelVersion;
    if ("path" in body) {
      // Reading server-side files is an administrator's power only.
      if (req.principal.role !== "admin") throw new LlmosError("forbidden", 403, "only an admin may add a model from a file on the server; use 'llmos models add' on the host");
      v = await registry.addGguf(tenant, body.name, body.path);
    } else {
      const r = body.remote;
      v = registry.addRemote(tenant, body.name, { baseUrl: r.base_url, model: r.model, ...(r.api_key_env ? { apiKeyEnv: r.api_key_env } : {}) }, r.context_length ? { contextLength: r.context_length } : {});
    }
    return reply.status(201).send(view(v));
  });
  app.put<{ Params: { name: string; alias: string } }>("/v1/os/models/:name/aliases/:alias", async (req) => {
    mayWrite(req.principal, req.params.name);
    const body = parseBody(z.object({ version: z.number().int().positive() }).strict(), req.body);
    return view(registry.setAlias(req.principal.tenant, req.params.name, req.params.alias, body.version));
  });
  app.delete<{ Params: { name: string; alias: string } }>("/v1/os/models/:name/aliases/:alias", async (req, reply) => {
    mayWrite(req.principal, req.params.name);
    registry.removeAlias(req.principal.tenant, req.params.name, req.params.alias);
    return reply.status(204).send();
  });
  app.delete<{ Params: { name: string; version: string } }>("/v1/os/models/:name/versions/:version", async (req, reply) => {
    mayWrite(req.principal, req.params.name);
    await registry.remove(req.principal.tenant, req.params.name, version(req.params.version));
    return reply.status(204).send();
  });
}
