// /v1/os/pii: the analyzer and anonymizer as services, re-identification for callers allowed to hold
// the vault, and each tenant's PII policy.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Kernel } from "../kernel/index.ts";
import { anonymize, deanonymize, ENTITY_TYPES, operatorSchema, OPERATOR_NAMES, PseudonymMap } from "../privacy/pii/index.ts";
import { authorize } from "../security/index.ts";
import { parseBody } from "./schemas.ts";

const MAX_TEXT = 512 * 1024;
const text = z.string().max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`);
const conversation = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, "must be 1-128 characters of A-Z a-z 0-9 . _ : -");

const analyzeBody = z.object({
  text,
  entities: z.array(z.enum(ENTITY_TYPES as unknown as [string, ...string[]])).optional(),
  score_threshold: z.number().min(0).max(1).optional(),
}).strict();

const anonymizeBody = z.object({
  text,
  /** One operator for every type, or one per type ("DEFAULT" for the rest). */
  operator: z.enum(OPERATOR_NAMES).optional(),
  operators: z.record(z.string(), operatorSchema).optional(),
  /** pseudonymize/replace: keep the mapping in the vault under this conversation. */
  conversation: conversation.optional(),
}).strict();

const deanonymizeBody = z.object({ text, conversation: conversation.optional(), decrypt: z.boolean().optional() }).strict();

export function piiRoutes(app: FastifyInstance, kernel: Kernel): void {
  const { pii, piiKeys, piiPolicies } = kernel;
  app.post("/v1/os/pii/analyze", async (req) => {
    const b = parseBody(analyzeBody, req.body);
    let found = pii.analyzer().analyze(b.text);
    if (b.entities) found = found.filter((f) => b.entities!.includes(f.type));
    if (b.score_threshold !== undefined) found = found.filter((f) => f.score >= b.score_threshold!);
    return { entities: found.map((f) => ({ type: f.type, start: f.start, end: f.end, score: f.score })) };
  });

  app.post("/v1/os/pii/anonymize", async (req) => {
    const b = parseBody(anonymizeBody, req.body);
    const tenant = req.principal.tenant;
    const operators = b.operators ?? { DEFAULT: { type: b.operator ?? "replace" } };
    const pseudonyms = b.conversation ? pii.vault.load(tenant, b.conversation) : new PseudonymMap();
    const uses = new Set(Object.values(operators).map((o) => o.type));
    const r = anonymize(b.text, pii.analyzer().analyze(b.text), {
      operators, pseudonyms,
      ...(uses.has("hash") ? { hashKey: piiKeys.key(tenant, "hash") } : {}),
      ...(uses.has("encrypt") ? { encryptKey: piiKeys.key(tenant, "encrypt") } : {}),
    });
    if (b.conversation) pii.vault.save(tenant, b.conversation, pseudonyms);
    return { text: r.text, items: r.items };
  });

  app.post("/v1/os/pii/deanonymize", async (req) => {
    const b = parseBody(deanonymizeBody, req.body);
    const tenant = req.principal.tenant;
    // Re-identification reveals originals: only roles that may read the tenant's vault.
    authorize(req.principal, "read", { kind: "vault", tenant, id: b.conversation ?? "(encrypted values)" });
    const pseudonyms = b.conversation ? pii.vault.load(tenant, b.conversation) : undefined;
    return { text: deanonymize(b.text, { ...(pseudonyms ? { pseudonyms } : {}), ...(b.decrypt ? { encryptKey: piiKeys.key(tenant, "encrypt") } : {}) }) };
  });

  app.get("/v1/os/pii/policy", async (req) => {
    authorize(req.principal, "read", { kind: "vault", tenant: req.principal.tenant, id: "policy" });
    return piiPolicies.get(req.principal.tenant) ?? { default: true };
  });
  app.put("/v1/os/pii/policy", async (req) => {
    authorize(req.principal, "govern", { kind: "vault", tenant: req.principal.tenant, id: "policy" });
    const policy = piiPolicies.put(req.principal.tenant, req.body);
    kernel.security.ledger.append({ who: req.principal.id, action: "pii.policy.set", resource: "vault:policy", tenant: req.principal.tenant, decision: "allow" });
    return policy;
  });
}
