// Errors of the HE service (stable codes; messages carry sizes and field names, never plaintext values).
import { LlmosError, type LlmosErrorOptions } from "../../errors/index.ts";

/** Bytes that claim to be a CKKS object but are not one, or belong to other parameters. */
export class HeFormatError extends LlmosError {
  constructor(problem: string, options: LlmosErrorOptions = {}) {
    super("he_format", 422, `CKKS data: ${problem}`, options);
  }
}

/** An operation on disposed SEAL objects (their WASM memory is freed). */
export class HeDisposedError extends LlmosError {
  constructor(what: string) {
    super("he_disposed", 500, `${what} was disposed; create a new one`);
  }
}
