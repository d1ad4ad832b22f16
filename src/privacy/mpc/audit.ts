// Maps an MPC job record to the audit ledger's event shape (src/security/audit): only ids, the job
// hash and counts, never inputs or outputs. The ledger append itself is wired by the kernel.
import type { AuditEvent } from "../../security/audit/index.ts";
import type { MpcAuditEvent } from "./job.ts";

export function mpcLedgerEvent(e: MpcAuditEvent, opts: { who: string; tenant: string }): AuditEvent {
  return {
    who: opts.who,
    action: "mpc.job",
    resource: `mpc-job:${e.jobId}`,
    tenant: opts.tenant,
    decision: "info",
    inputHash: e.jobHash,
    detail: {
      party: e.party,
      parties: e.parties,
      protocol: e.protocol,
      inputsFrom: e.inputsFrom.join(","),
      outputTo: e.outputTo.join(","),
      learnedOutput: e.learnedOutput,
      status: e.status,
      ...(e.errorCode ? { errorCode: e.errorCode } : {}),
      durationMs: e.durationMs,
      startedAt: e.startedAt,
    },
  };
}
