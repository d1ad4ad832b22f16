// A federated round as one audit-ledger event: who took part, a commitment to their (masked) updates
// and the hash of the aggregate — hashes and counts only, never an update's content.
import { createHash } from "node:crypto";
import { canonicalJson, type AuditEvent } from "../../security/audit/index.ts";
import type { RoundRecord } from "./round.ts";

/** sha256 over the canonical JSON of {participants, commitments}: binds who sent which update. */
export function commitmentDigest(r: Pick<RoundRecord, "survivors" | "commitments">): string {
  const commitments = Object.fromEntries(Object.entries(r.commitments).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash("sha256").update(canonicalJson({ participants: [...r.survivors].sort(), commitments })).digest("hex");
}

export function roundAuditEvent(federation: string, r: RoundRecord, tenant = "default"): AuditEvent {
  const participants = r.survivors.join(",");
  const detail: Record<string, string | number | boolean> = {
    round: r.round, roundId: r.roundId.slice(0, 256), selected: r.selected.length, survivors: r.survivors.length,
    dropped: r.dropped.length, recovered: r.recovered.length, secureAggregation: r.secureAggregation,
  };
  if (participants.length > 0 && participants.length <= 256) detail.participants = participants;
  if (r.aborted) detail.aborted = r.aborted.slice(0, 256);
  return {
    who: "system", action: "fl.round", resource: `federation:${federation}`.slice(0, 256), tenant,
    decision: r.aborted ? "deny" : "info",
    ...(r.dp ? { epsilon: r.dp.epsilon } : {}),
    inputHash: commitmentDigest(r),
    ...(r.aggregateSha256 ? { outputHash: r.aggregateSha256 } : {}),
    detail,
  };
}
