// Data-use contract terms and their validation: what a data owner allows to be done with a
// dataset or model. Parsing is strict: unknown fields and wrong types are refused by name.
import { InvalidArgumentError } from "../../errors/index.ts";
import { ROLES, type Role } from "../identity/index.ts";
import { checkTenantName } from "../identity/index.ts";

export const PURPOSES = ["dp-analytics", "dp-training", "federated", "inference"] as const;
export type Purpose = (typeof PURPOSES)[number];

/** PII handling levels, weakest first: a use must apply at least the contract's level. */
export const PII_POLICIES = ["none", "pseudonymize", "anonymize", "redact"] as const;
export type PiiPolicy = (typeof PII_POLICIES)[number];

export interface ContractTerms {
  purposes: Purpose[];
  /** "local": models served by this LLMasOS only; otherwise also these named remote models. */
  models: { local: boolean; remote: string[] };
  piiPolicy: PiiPolicy;
  /** ε allowed per release, and in total over the contract's life (omitted: no DP release allowed). */
  epsilonPerRelease?: number;
  epsilonTotal?: number;
  /** Tenants whose principals may use it (default: the resource's own tenant). */
  tenants?: string[];
  /** Roles that may use it (default: any role the access matrix lets through). */
  roles?: Role[];
  /** ISO 8601 instant after which every use is refused. */
  expires?: string;
}

const KNOWN = new Set(["purposes", "models", "piiPolicy", "epsilonPerRelease", "epsilonTotal", "tenants", "roles", "expires"]);

function list<T extends string>(field: string, v: unknown, allowed: readonly T[] | undefined, max = 64): T[] {
  if (!Array.isArray(v) || v.length > max) throw new InvalidArgumentError(field, `must be an array of at most ${max} strings`);
  for (const x of v) {
    if (typeof x !== "string") throw new InvalidArgumentError(field, "must hold strings only");
    if (allowed && !allowed.includes(x as T)) throw new InvalidArgumentError(field, `values must be among ${allowed.join(", ")}`);
  }
  return [...new Set(v as T[])];
}

function epsilon(field: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v > 100) throw new InvalidArgumentError(field, "must be a number in (0, 100]");
  return v;
}

/** Validates untrusted contract terms (JSON from a request or a file). */
export function parseTerms(input: unknown): ContractTerms {
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new InvalidArgumentError("contract", "must be a JSON object");
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw new InvalidArgumentError("contract", `unknown field '${k.slice(0, 40)}'`);
  const purposes = list("purposes", o.purposes, PURPOSES);
  const m = o.models;
  if (typeof m !== "object" || m === null || Array.isArray(m)) throw new InvalidArgumentError("models", "must be an object {local: boolean, remote: string[]}");
  const mo = m as Record<string, unknown>;
  if (typeof mo.local !== "boolean") throw new InvalidArgumentError("models.local", "must be a boolean");
  const remote = list("models.remote", mo.remote ?? [], undefined);
  for (const r of remote) if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/.test(r)) throw new InvalidArgumentError("models.remote", "names must be 1-128 letters, digits, '.', '_', ':', '/' or '-'");
  if (typeof o.piiPolicy !== "string" || !(PII_POLICIES as readonly string[]).includes(o.piiPolicy)) throw new InvalidArgumentError("piiPolicy", `must be one of ${PII_POLICIES.join(", ")}`);
  const terms: ContractTerms = { purposes, models: { local: mo.local, remote }, piiPolicy: o.piiPolicy as PiiPolicy };
  const per = epsilon("epsilonPerRelease", o.epsilonPerRelease);
  const total = epsilon("epsilonTotal", o.epsilonTotal);
  if (per !== undefined && total !== undefined && per > total) throw new InvalidArgumentError("epsilonPerRelease", "must not exceed epsilonTotal");
  if (per !== undefined) terms.epsilonPerRelease = per;
  if (total !== undefined) terms.epsilonTotal = total;
  if (o.tenants !== undefined) terms.tenants = list("tenants", o.tenants, undefined).map((t) => checkTenantName("tenants", t));
  if (o.roles !== undefined) terms.roles = list("roles", o.roles, ROLES);
  if (o.expires !== undefined) {
    if (typeof o.expires !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(o.expires) || Number.isNaN(Date.parse(o.expires))) {
      throw new InvalidArgumentError("expires", "must be an ISO 8601 time with a zone, e.g. 2027-01-01T00:00:00Z");
    }
    terms.expires = new Date(o.expires).toISOString();
  }
  return terms;
}
