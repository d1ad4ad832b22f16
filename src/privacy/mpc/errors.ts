// Errors of the MPC service: stable codes, no secret values in messages (only field names, counts, party ids).
import { LlmosError, type LlmosErrorOptions } from "../../errors/index.ts";

/** A reconstructed value's shares do not lie on one polynomial / do not agree: a share was corrupted. */
export class InconsistentShareError extends LlmosError {
  constructor(what: string, options: LlmosErrorOptions = {}) {
    super("mpc_inconsistent_share", 409, `${what}: the shares are inconsistent (a share was corrupted or a party deviated); the result was not released`, options);
  }
}

/** A value does not fit the fixed-point range the protocols are correct for. */
export class FixedPointOverflowError extends LlmosError {
  constructor(field: string, limit: number, options: LlmosErrorOptions = {}) {
    super("mpc_overflow", 400, `${field}: magnitude exceeds the fixed-point range (|x| < ${limit}); scale the inputs or declare a smaller bound`, {
      ...options,
      data: { field, limit, ...options.data },
    });
  }
}

/** The parties disagree about the job (hash, party count, input lengths) or a peer broke the protocol; the job aborts. */
export class ProtocolAbortError extends LlmosError {
  constructor(problem: string, options: LlmosErrorOptions = {}) {
    super("mpc_abort", 409, `MPC job aborted: ${problem}`, options);
  }
}
