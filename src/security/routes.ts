// HTTP routes of the security kernel under /v1/os, for the lead to register with one call:
// keys, the audit ledger (heads, proofs, tail) and data-use contracts. Every route authorizes
// through authorize() and answers another tenant's resource with 404.
import type { FastifyInstance } from "fastify";
import { InvalidArgumentError, NotFoundError } from "../errors/index.ts";
import { consistencyProofJson, inclusionProofJson, verifyLedger } from "./audit/index.ts";
import { authorize, checkRole, type Principal } from "./identity/index.ts";
import type { SecurityKernel } from "./kernel.ts";

function int(field: string, v: unknown, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^\d{1,15}$/.test(v) || Number(v) < min) throw new InvalidArgumentError(field, `must be an integer ≥ ${min}`);
  return Number(v);
}

function str(field: string, v: unknown): string {
  if (typeof v !== "string" || v.length === 0 || v.length > 128) throw new InvalidArgumentError(field, "must be a string of 1-128 characters");
  return v;
}

function body(req: { body: unknown }): Record<string, unknown> {
  if (typeof req.body !== "object" || req.body === null || Array.isArray(req.body)) throw new InvalidArgumentError("body", "must be a JSON object");
  return req.body as Record<string, unknown>;
}

const publicKeyHex = (k: SecurityKernel) => Buffer.from(k.ledger.keys.publicKey).toString("hex");

export function securityRoutes(app: FastifyInstance, kernel: SecurityKernel): void {
  const me = (req: { principal: Principal }) => req.principal;

  app.get("/v1/os/keys", async (req) => ({ object: "list", data: kernel.listKeys(me(req)) }));
  app.post("/v1/os/keys", async (req, reply) => {
    const b = body(req);
    const created = kernel.createKey(me(req), { role: checkRole(b.role), tenant: str("tenant", b.tenant), ...(b.name !== undefined ? { name: str("name", b.name) } : {}) });
    void reply.status(201);
    return { ...created.principal, key: created.key };
  });
  app.delete("/v1/os/keys/:id", async (req) => kernel.revokeKey(me(req), str("id", (req.params as { id?: unknown }).id)));

  // The head and proofs are public facts about the log; entries are shown only to their tenant.
  app.get("/v1/os/audit/head", async (req) => {
    authorize(me(req), "read", { kind: "audit", tenant: me(req).tenant, id: "head" });
    return { ...kernel.ledger.signHead(), publicKey: publicKeyHex(kernel) };
  });
  app.get("/v1/os/audit/proof", async (req) => {
    const q = req.query as Record<string, unknown>;
    const p = me(req);
    if (q.entry !== undefined) {
      const index = int("entry", q.entry, 0)!;
      if (index >= kernel.ledger.size) throw new NotFoundError("audit entry", String(index));
      const tenant = (JSON.parse(kernel.ledger.entry(index).entry) as { tenant: string }).tenant;
      authorize(p, "read", { kind: "audit", tenant, id: String(index) });
      return inclusionProofJson(kernel.ledger, index, int("size", q.size, 1));
    }
    authorize(p, "read", { kind: "audit", tenant: p.tenant, id: "consistency" });
    return consistencyProofJson(kernel.ledger, int("first", q.first, 1) ?? 0, int("second", q.second, 1));
  });
  app.get("/v1/os/audit/tail", async (req) => {
    const p = me(req);
    authorize(p, "read", { kind: "audit", tenant: p.tenant, id: "tail" });
    const n = int("n", (req.query as Record<string, unknown>).n, 1) ?? 20;
    if (n > 10_000) throw new InvalidArgumentError("n", "must be at most 10000");
    return { object: "list", data: kernel.ledger.tail(n, p.role === "admin" ? undefined : p.tenant) };
  });
  app.post("/v1/os/audit/verify", async (req) => {
    const p = me(req);
    authorize(p, "govern", { kind: "audit", tenant: p.tenant, id: "verify" });
    return verifyLedger(kernel.ledger);
  });

  app.put("/v1/os/contracts/:kind/:id", async (req) => {
    const { kind, id } = req.params as { kind: string; id: string };
    if (kind !== "dataset" && kind !== "model") throw new InvalidArgumentError("kind", "must be 'dataset' or 'model'");
    return kernel.contracts.attach(me(req), { kind, tenant: me(req).tenant, id }, req.body);
  });
  app.get("/v1/os/contracts/:kind/:id", async (req) => {
    const { kind, id } = req.params as { kind: string; id: string };
    if (kind !== "dataset" && kind !== "model") throw new InvalidArgumentError("kind", "must be 'dataset' or 'model'");
    return { object: "list", data: kernel.contracts.history(me(req), { kind, tenant: me(req).tenant, id }) };
  });
}
