// PII policy per tenant and per model: for each entity type allow, redact, pseudonymize or block.
// Pure functions: resolvePolicy picks the policy for a model; guardMessages applies it to a chat.
import { z } from "zod";
import { InvalidArgumentError, LlmosError } from "../../errors/index.ts";
import { anonymize } from "./anonymize.ts";
import type { Analyzer } from "./analyzer.ts";
import { PseudonymMap } from "./pseudonyms.ts";
import type { Finding } from "./types.ts";

export const POLICY_ACTIONS = ["allow", "redact", "pseudonymize", "block"] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

const action = z.enum(POLICY_ACTIONS);
export const piiPolicySchema = z.object({
  default: action,
  entities: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), action).default({}),
  /** Map pseudonyms in the response back to the originals for this caller. */
  reidentify: z.boolean().default(true),
});
export type PiiPolicy = z.output<typeof piiPolicySchema>;

export const tenantPiiPolicySchema = z.object({
  /** Models served in this process (llama.cpp, native engine). */
  local: piiPolicySchema.optional(),
  /** Models behind a remote API: the default is pseudonymize, so raw PII never leaves. */
  remote: piiPolicySchema.optional(),
  /** By model name; wins over local/remote. */
  models: z.record(z.string(), piiPolicySchema).default({}),
});
export type TenantPiiPolicy = z.output<typeof tenantPiiPolicySchema>;

/** Remote models: everything pseudonymized, secrets never sent. */
export const DEFAULT_REMOTE_POLICY: PiiPolicy = { default: "pseudonymize", entities: { SECRET: "block" }, reidentify: true };
/** Local models: pseudonymized as well unless the tenant's policy relaxes it (privacy first). */
export const DEFAULT_LOCAL_POLICY: PiiPolicy = { default: "pseudonymize", entities: { SECRET: "redact" }, reidentify: true };

export function parseTenantPiiPolicy(input: unknown): TenantPiiPolicy {
  const r = tenantPiiPolicySchema.safeParse(input ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InvalidArgumentError(`pii policy ${issue.path.join(".") || "(root)"}`, issue.message);
  }
  return r.data;
}

export function resolvePolicy(tenant: TenantPiiPolicy | undefined, model: { name: string; remote: boolean }): PiiPolicy {
  const byName = tenant?.models[model.name];
  if (byName) return byName;
  if (model.remote) return tenant?.remote ?? DEFAULT_REMOTE_POLICY;
  return tenant?.local ?? DEFAULT_LOCAL_POLICY;
}

export function actionFor(policy: PiiPolicy, type: string): PolicyAction {
  return policy.entities[type] ?? policy.default;
}

/** A policy forbids sending this entity type; names the type only, never the value. */
export class PiiBlockedError extends LlmosError {
  readonly entityType: string;
  constructor(entityType: string, where: string) {
    super("pii_blocked", 403, `the request contains ${entityType} in ${where}, which the PII policy blocks for this model; remove it or ask the data owner to change the policy`, {
      data: { entityType, where },
    });
    this.entityType = entityType;
  }
}

export interface GuardableMessage {
  role: string;
  content?: string | null | readonly ({ type: string; text?: string } & Record<string, unknown>)[];
  tool_calls?: readonly ({ function: { name: string; arguments: string } } & Record<string, unknown>)[] | null;
  [k: string]: unknown;
}

export interface GuardResult<M> {
  messages: M[];
  pseudonyms: PseudonymMap;
  /** Count of findings per entity type (no values). */
  counts: Record<string, number>;
}

interface Ctx {
  analyzer: Analyzer;
  policy: PiiPolicy;
  map: PseudonymMap;
  counts: Record<string, number>;
}

function guardText(text: string, where: string, ctx: Ctx): string {
  const findings = ctx.analyzer.analyze(text);
  const acted: Finding[] = [];
  const operators: Record<string, { type: "redact" | "pseudonymize"; with?: string }> = {};
  for (const f of findings) {
    ctx.counts[f.type] = (ctx.counts[f.type] ?? 0) + 1;
    const a = actionFor(ctx.policy, f.type);
    if (a === "block") throw new PiiBlockedError(f.type, where);
    if (a === "allow") continue;
    acted.push(f);
    operators[f.type] = a === "redact" ? { type: "redact", with: `<${f.type}>` } : { type: "pseudonymize" };
  }
  if (acted.length === 0) return text;
  return anonymize(text, acted, { operators, pseudonyms: ctx.map }).text;
}

// Tool-call arguments are JSON: scan each string value (keys stay), so the result stays valid JSON.
function guardJson(value: unknown, where: string, ctx: Ctx): unknown {
  if (typeof value === "string") return guardText(value, where, ctx);
  if (Array.isArray(value)) return value.map((v) => guardJson(v, where, ctx));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, guardJson(v, where, ctx)]));
  }
  return value;
}

function guardArguments(args: string, where: string, ctx: Ctx): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return guardText(args, where, ctx);
  }
  return JSON.stringify(guardJson(parsed, where, ctx));
}

/**
 * Applies `policy` to every message (text content, text parts, tool-call arguments) before a model
 * sees them. Throws PiiBlockedError for a blocked type. `pseudonyms` carries the conversation's map
 * (from the vault) so that the same person keeps the same surrogate across turns.
 */
export function guardMessages<M extends GuardableMessage>(messages: readonly M[], options: { analyzer: Analyzer; policy: PiiPolicy; pseudonyms?: PseudonymMap }): GuardResult<M> {
  const ctx: Ctx = { analyzer: options.analyzer, policy: options.policy, map: options.pseudonyms ?? new PseudonymMap(), counts: {} };
  const out = messages.map((m, i) => {
    const copy: Record<string, unknown> = { ...m };
    const where = `messages[${i}]`;
    if (typeof m.content === "string") copy.content = guardText(m.content, `${where}.content`, ctx);
    else if (Array.isArray(m.content)) {
      copy.content = m.content.map((p, j) => (typeof p.text === "string" ? { ...p, text: guardText(p.text, `${where}.content[${j}]`, ctx) } : p));
    }
    if (Array.isArray(m.tool_calls)) {
      copy.tool_calls = m.tool_calls.map((c, j) => ({
        ...c,
        function: { ...c.function, arguments: guardArguments(c.function.arguments, `${where}.tool_calls[${j}].function.arguments`, ctx) },
      }));
    }
    return copy as M;
  });
  return { messages: out, pseudonyms: ctx.map, counts: ctx.counts };
}
