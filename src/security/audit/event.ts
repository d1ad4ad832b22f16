// The shape of one audit event and its validation: who did what to which resource, the decision,
// ε spent and hashes of inputs/outputs. Only short identifiers and hashes: never raw content or PII.
import { InvalidArgumentError } from "../../errors/index.ts";

export type Decision = "allow" | "deny" | "info";

export interface AuditEvent {
  /** Principal id, or "system". */
  who: string;
  /** Dotted verb, e.g. "keys.create", "dataset.read", "contract.check". */
  action: string;
  /** Resource reference, e.g. "dataset:patients". */
  resource: string;
  tenant: string;
  decision: Decision;
  epsilon?: number;
  /** Lower-case hex SHA-256 of the input / output, never the content. */
  inputHash?: string;
  outputHash?: string;
  /** The contract or policy clause that decided. */
  clause?: string;
  /** Further short facts (ids, counts); at most 16 scalar values. */
  detail?: Record<string, string | number | boolean>;
}

/** An event as stored: with its index and time. */
export interface StoredEvent extends AuditEvent {
  seq: number;
  time: string;
}

const MAX_TEXT = 256;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function text(field: string, v: unknown, optional = false): void {
  if (v === undefined && optional) return;
  if (typeof v !== "string" || v.length === 0 || v.length > MAX_TEXT) throw new InvalidArgumentError(field, `must be a string of 1-${MAX_TEXT} characters`);
  // Lone surrogates would not survive UTF-8 storage unchanged, so the leaf hash would not recompute.
  if (LONE_SURROGATE.test(v)) throw new InvalidArgumentError(field, "must be well-formed Unicode");
}

export function checkEvent(e: AuditEvent): void {
  if (typeof e !== "object" || e === null) throw new InvalidArgumentError("event", "must be an object");
  text("who", e.who);
  text("action", e.action);
  text("resource", e.resource);
  text("tenant", e.tenant);
  if (e.decision !== "allow" && e.decision !== "deny" && e.decision !== "info") throw new InvalidArgumentError("decision", "must be 'allow', 'deny' or 'info'");
  if (e.epsilon !== undefined && (typeof e.epsilon !== "number" || !Number.isFinite(e.epsilon) || e.epsilon < 0)) {
    throw new InvalidArgumentError("epsilon", "must be a finite number ≥ 0");
  }
  for (const f of ["inputHash", "outputHash"] as const) {
    const h = e[f];
    if (h !== undefined && (typeof h !== "string" || !/^[0-9a-f]{64}$/.test(h))) throw new InvalidArgumentError(f, "must be a lower-case hex SHA-256 (64 digits)");
  }
  text("clause", e.clause, true);
  if (e.detail !== undefined) {
    if (typeof e.detail !== "object" || e.detail === null || Array.isArray(e.detail)) throw new InvalidArgumentError("detail", "must be an object");
    const keys = Object.keys(e.detail);
    if (keys.length > 16) throw new InvalidArgumentError("detail", "may hold at most 16 values");
    for (const k of keys) {
      const v = e.detail[k];
      if (typeof v === "string") text(`detail.${k.slice(0, 32)}`, v);
      else if (!(typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v)))) throw new InvalidArgumentError(`detail.${k.slice(0, 32)}`, "must be a string, finite number or boolean");
      if (k.length > 64) throw new InvalidArgumentError("detail", "keys must be at most 64 characters");
    }
  }
}

/** Keeps only the known fields, so a caller's extra properties never reach the ledger. */
export function pickEvent(e: AuditEvent): AuditEvent {
  const out: AuditEvent = { who: e.who, action: e.action, resource: e.resource, tenant: e.tenant, decision: e.decision };
  if (e.epsilon !== undefined) out.epsilon = e.epsilon;
  if (e.inputHash !== undefined) out.inputHash = e.inputHash;
  if (e.outputHash !== undefined) out.outputHash = e.outputHash;
  if (e.clause !== undefined) out.clause = e.clause;
  if (e.detail !== undefined) out.detail = { ...e.detail };
  return out;
}
