// The pure contract check: a proposed use against the terms, answering allow or the first clause
// that refuses it. Clauses are checked in a fixed order so the answer is deterministic.
import type { Principal } from "../identity/index.ts";
import { PII_POLICIES, type ContractTerms, type PiiPolicy, type Purpose } from "./terms.ts";

export interface Contract {
  resource: { kind: "dataset" | "model"; tenant: string; id: string };
  version: number;
  terms: ContractTerms;
  created: string;
  createdBy: string;
}

export interface ProposedUse {
  purpose: Purpose;
  principal: Principal;
  /** The model the data would reach: local (served here) or a named remote one. */
  model?: { name: string; remote: boolean };
  /** The PII handling the pipeline applies. */
  piiPolicy: PiiPolicy;
  /** ε this release would spend, and ε already spent under this contract. */
  epsilon?: number;
  epsilonSpent?: number;
  now: Date;
}

export type Clause = "no-contract" | "expires" | "tenants" | "roles" | "purposes" | "models" | "piiPolicy" | "epsilonPerRelease" | "epsilonTotal";

export type ContractDecision = { allow: true } | { allow: false; clause: Clause; reason: string };

const refuse = (clause: Clause, reason: string): ContractDecision => ({ allow: false, clause, reason });

export function checkContract(contract: Contract | undefined, use: ProposedUse): ContractDecision {
  if (!contract) return refuse("no-contract", "no data-use contract is attached; the data owner must attach one");
  const t = contract.terms;
  if (t.expires !== undefined && use.now.getTime() >= Date.parse(t.expires)) return refuse("expires", `the contract expired at ${t.expires}`);
  const tenants = t.tenants ?? [contract.resource.tenant];
  if (!tenants.includes(use.principal.tenant)) return refuse("tenants", "the contract does not cover the caller's tenant");
  if (t.roles !== undefined && !t.roles.includes(use.principal.role)) return refuse("roles", `the contract does not allow role '${use.principal.role}'`);
  if (!t.purposes.includes(use.purpose)) return refuse("purposes", `purpose '${use.purpose}' is not allowed (allowed: ${t.purposes.join(", ") || "none"})`);
  if (use.model) {
    const ok = use.model.remote ? t.models.remote.includes(use.model.name) : t.models.local;
    if (!ok) return refuse("models", use.model.remote ? `remote model '${use.model.name}' is not allowed` : "local models are not allowed");
  }
  if (PII_POLICIES.indexOf(use.piiPolicy) < PII_POLICIES.indexOf(t.piiPolicy)) {
    return refuse("piiPolicy", `PII policy '${use.piiPolicy}' is weaker than the required '${t.piiPolicy}'`);
  }
  const dp = use.purpose === "dp-analytics" || use.purpose === "dp-training" || use.epsilon !== undefined;
  if (dp) {
    const eps = use.epsilon ?? Number.NaN;
    if (t.epsilonPerRelease === undefined || !(eps > 0) || eps > t.epsilonPerRelease) {
      return refuse("epsilonPerRelease", t.epsilonPerRelease === undefined ? "the contract allows no differentially private release" : `ε ${eps} is over the per-release limit ${t.epsilonPerRelease}`);
    }
    // 1e-12 absorbs float sums such as 0.1 + 0.2; the DP accountant is the exact ledger of ε.
    if (t.epsilonTotal !== undefined && (use.epsilonSpent ?? 0) + eps > t.epsilonTotal + 1e-12) {
      return refuse("epsilonTotal", `ε ${eps} would bring the total to ${(use.epsilonSpent ?? 0) + eps}, over ${t.epsilonTotal}`);
    }
  }
  return { allow: true };
}
