// /v1/os/pipelines: composed virtual models (chain, router, fallback, ensemble), callable by name.
import type { FastifyInstance } from "fastify";
import type { Kernel } from "../kernel/index.ts";
import { authorize } from "../security/index.ts";
import type { StoredPipeline } from "../scheduler/index.ts";

const view = (p: StoredPipeline) => ({ ...p.definition, created: p.createdAt });

export function pipelineRoutes(app: FastifyInstance, kernel: Kernel): void {
  app.get("/v1/os/pipelines", async (req) => ({ object: "list", data: kernel.pipelines.list(req.principal.tenant).map(view) }));
  app.post("/v1/os/pipelines", async (req, reply) => {
    authorize(req.principal, "write", { kind: "pipeline", tenant: req.principal.tenant });
    const p = kernel.pipelines.put(req.principal.tenant, req.body, (name) => kernel.isModelName(req.principal.tenant, name));
    return reply.status(201).send(view(p));
  });
  app.delete<{ Params: { name: string } }>("/v1/os/pipelines/:name", async (req, reply) => {
    authorize(req.principal, "write", { kind: "pipeline", tenant: req.principal.tenant, id: req.params.name });
    kernel.pipelines.remove(req.principal.tenant, req.params.name);
    return reply.status(204).send();
  });
}
