// Contracts in SQLite (subsystem "contracts"): every attach is a new version, recorded on the audit
// ledger with the hash of its terms; `enforce` checks a use and logs the decision before answering.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { InvalidArgumentError } from "../../errors/index.ts";
import { migrate, type Db, prepared } from "../../store/index.ts";
import { canonicalJson, type AuditLedger, type JsonValue } from "../audit/index.ts";
import { ContractRefusedError } from "../errors.ts";
import { authorize, type Principal } from "../identity/index.ts";
import { checkContract, type Contract, type ContractDecision, type ProposedUse } from "./check.ts";
import { parseTerms } from "./terms.ts";

const STEPS = [
  `CREATE TABLE contracts (
     kind TEXT NOT NULL,
     tenant TEXT NOT NULL,
     resource TEXT NOT NULL,
     version INTEGER NOT NULL,
     terms TEXT NOT NULL,
     created TEXT NOT NULL,
     created_by TEXT NOT NULL,
     PRIMARY KEY (kind, tenant, resource, version)
   );`,
];

export type ContractResource = Contract["resource"];

interface Row { kind: string; tenant: string; resource: string; version: number; terms: string; created: string; created_by: string }
const toContract = (r: Row): Contract => ({
  resource: { kind: r.kind as ContractResource["kind"], tenant: r.tenant, id: r.resource },
  version: r.version, terms: JSON.parse(r.terms) as Contract["terms"], created: r.created, createdBy: r.created_by,
});
const ref = (r: ContractResource) => `${r.kind}:${r.id}`;

function checkResource(r: ContractResource): void {
  if (r.kind !== "dataset" && r.kind !== "model") throw new InvalidArgumentError("resource.kind", "contracts attach to a dataset or a model");
  if (typeof r.id !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(r.id)) throw new InvalidArgumentError("resource.id", "must be 1-128 letters, digits, '.', '_', ':' or '-'");
}

export class ContractStore {
  private constructor(readonly db: Db, private readonly ledger: AuditLedger, private readonly now: () => Date) {}

  static open(db: Db, ledger: AuditLedger, now: () => Date = () => new Date()): ContractStore {
    migrate(db, "contracts", STEPS);
    return new ContractStore(db, ledger, now);
  }

  /** A data owner (or admin) of the resource's tenant attaches new terms: the next version. */
  attach(principal: Principal, resource: ContractResource, input: unknown): Contract {
    checkResource(resource);
    authorize(principal, "govern", { kind: resource.kind, tenant: resource.tenant, id: resource.id });
    const terms = parseTerms(input);
    const text = canonicalJson(terms as unknown as JsonValue);
    const created = this.now().toISOString();
    return this.db.transaction(() => {
      const last = prepared(this.db, "SELECT MAX(version) FROM contracts WHERE kind = ? AND tenant = ? AND resource = ?").pluck().get(resource.kind, resource.tenant, resource.id) as number | null;
      const version = (last ?? 0) + 1;
      prepared(this.db, "INSERT INTO contracts (kind, tenant, resource, version, terms, created, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .run(resource.kind, resource.tenant, resource.id, version, text, created, principal.id);
      // Same transaction: the version exists if and only if the ledger records it.
      this.ledger.append({
        who: principal.id, action: "contract.attach", resource: ref(resource), tenant: resource.tenant, decision: "info",
        detail: { version, termsHash: bytesToHex(sha256(new TextEncoder().encode(text))) },
      });
      return { resource: { ...resource }, version, terms, created, createdBy: principal.id };
    })();
  }

  current(resource: ContractResource): Contract | undefined {
    const r = prepared(this.db, "SELECT * FROM contracts WHERE kind = ? AND tenant = ? AND resource = ? ORDER BY version DESC LIMIT 1").get(resource.kind, resource.tenant, resource.id) as Row | undefined;
    return r && toContract(r);
  }

  history(principal: Principal, resource: ContractResource): Contract[] {
    authorize(principal, "read", { kind: resource.kind, tenant: resource.tenant, id: resource.id });
    const rows = prepared(this.db, "SELECT * FROM contracts WHERE kind = ? AND tenant = ? AND resource = ? ORDER BY version").all(resource.kind, resource.tenant, resource.id) as Row[];
    return rows.map(toContract);
  }

  /**
   * The kernel's check before every use of a dataset or model: the decision (allowed, or refused
   * with its clause) is committed to the ledger, then a refusal throws ContractRefusedError (403).
   */
  enforce(resource: ContractResource, use: Omit<ProposedUse, "now"> & { now?: Date }): ContractDecision & { version?: number } {
    const contract = this.current(resource);
    const d = checkContract(contract, { ...use, now: use.now ?? this.now() });
    this.ledger.append({
      who: use.principal.id, action: "contract.check", resource: ref(resource), tenant: resource.tenant,
      decision: d.allow ? "allow" : "deny", ...(d.allow ? {} : { clause: d.clause }),
      ...(use.epsilon !== undefined && Number.isFinite(use.epsilon) && use.epsilon >= 0 ? { epsilon: use.epsilon } : {}),
      detail: { purpose: use.purpose, version: contract?.version ?? 0, ...(use.model ? { model: use.model.name.slice(0, 128), remote: use.model.remote } : {}) },
    });
    if (!d.allow) throw new ContractRefusedError(d.clause, `data-use contract refuses: ${d.reason}`, { version: contract?.version ?? 0 });
    return { ...d, version: contract!.version };
  }
}
