// Errors of the secure-aggregation protocol: a message that does not fit the stage, and a round that
// cannot finish because fewer than t sites (or shares) remain.
import { LlmosError } from "../../errors/index.ts";

export class ProtocolError extends LlmosError {
  constructor(reason: string, data: Record<string, unknown> = {}) {
    super("secagg_protocol", 409, `secure aggregation: ${reason}`, { data });
  }
}

export class RoundAbortedError extends LlmosError {
  constructor(stage: string, remaining: number, threshold: number, detail = "") {
    super("secagg_aborted", 409, `secure aggregation round aborted at stage '${stage}': ${remaining} remaining, threshold ${threshold}${detail ? ` (${detail})` : ""}`, {
      data: { stage, remaining, threshold },
    });
  }
}
