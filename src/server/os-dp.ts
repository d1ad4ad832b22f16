// /v1/os/dp: differentially private queries on registered datasets, with the budget debited before
// the answer leaves (invariant 2), the dataset's data-use contract enforced, and the release audited.
import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Kernel } from "../kernel/index.ts";
import { parseDpQuery, runDpQuery } from "../privacy/dp/index.ts";
import { authorize, textReader } from "../security/index.ts";
import { parseBody } from "./schemas.ts";

const queryBody = z.object({ dataset: z.string().min(1).max(64), query: z.unknown() }).strict();

export function dpRoutes(app: FastifyInstance, kernel: Kernel): void {
  const { dp, security } = kernel;
  app.get("/v1/os/dp/datasets", async (req) => {
    authorize(req.principal, "read", { kind: "dataset", tenant: req.principal.tenant });
    return {
      object: "list",
      data: dp.listDatasets(req.principal.tenant).map((d) => ({ id: d.id, owner: d.owner, format: d.format, schema: d.schema, privacy_unit: d.privacyUnit, ...dp.budget(d.tenant, d.id) })),
    };
  });
  app.get<{ Params: { id: string } }>("/v1/os/dp/datasets/:id/budget", async (req) => {
    const tenant = req.principal.tenant;
    authorize(req.principal, "read", { kind: "budget", tenant, id: req.params.id });
    return dp.report(tenant, req.params.id);
  });
  app.post("/v1/os/dp/query", async (req) => {
    const body = parseBody(queryBody, req.body);
    const tenant = req.principal.tenant;
    const resource = { kind: "dataset" as const, tenant, id: body.dataset };
    authorize(req.principal, "use", resource);
    const ds = dp.getDataset(tenant, body.dataset);
    if (security.contracts.current(resource)) {
      // Validated here only to learn ε for the contract; runDpQuery validates again before spending.
      const q = parseDpQuery(body.query, ds.schema);
      // A DP release leaves only noisy aggregates: the strongest handling short of redaction.
      security.contracts.enforce(resource, { principal: req.principal, purpose: "dp-analytics", piiPolicy: "anonymize", epsilon: q.epsilon, epsilonSpent: dp.budget(tenant, body.dataset).epsilon_spent });
    }
    const result = runDpQuery(dp, { tenant, dataset: body.dataset, user: req.principal.id, query: body.query, readText: textReader(security.cipher) });
    security.ledger.append({
      who: req.principal.id, action: "dp.release", resource: `dataset:${body.dataset}`, tenant, decision: "allow",
      epsilon: result.epsilon_spent, outputHash: createHash("sha256").update(JSON.stringify(result.answers)).digest("hex"),
      detail: { release: result.release_id, type: result.type, delta: result.delta_spent },
    });
    return result;
  });
}
