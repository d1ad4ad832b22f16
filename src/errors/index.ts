// Errors that carry data: a stable code, an HTTP status and a message that says what was
// wrong and what to do. Messages never contain the user's raw data (DESIGN.md invariant 1).

export interface LlmosErrorOptions {
  cause?: unknown;
  /** Extra structured facts (field names, limits, file paths); never raw user content. */
  data?: Record<string, unknown>;
}

export class LlmosError extends Error {
  readonly code: string;
  readonly status: number;
  readonly data: Record<string, unknown>;

  constructor(code: string, status: number, message: string, options: LlmosErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.data = options.data ?? {};
  }
}

/** A parameter, flag or config field has a wrong type or value. */
export class InvalidArgumentError extends LlmosError {
  readonly field: string;
  constructor(field: string, problem: string, options: LlmosErrorOptions = {}) {
    super("invalid_argument", 400, `${field}: ${problem}`, {
      ...options,
      data: { field, ...options.data },
    });
    this.field = field;
  }
}

/** A file is missing, truncated or not in the format it claims to be. */
export class CorruptFileError extends LlmosError {
  readonly file: string;
  constructor(file: string, problem: string, options: LlmosErrorOptions = {}) {
    super("corrupt_file", 422, `${file}: ${problem}`, { ...options, data: { file, ...options.data } });
    this.file = file;
  }
}

/** A named thing (preset, model, checkpoint, command) does not exist. */
export class NotFoundError extends LlmosError {
  constructor(kind: string, name: string, hint = "", options: LlmosErrorOptions = {}) {
    super("not_found", 404, `unknown ${kind} '${name}'${hint ? `; ${hint}` : ""}`, {
      ...options,
      data: { kind, name, ...options.data },
    });
  }
}

/** A request is larger than a limit allows (prompt longer than the context, body too big). */
export class LimitExceededError extends LlmosError {
  constructor(what: string, actual: number, limit: number, options: LlmosErrorOptions = {}) {
    super("limit_exceeded", 413, `${what} is ${actual}, over the limit of ${limit}`, {
      ...options,
      data: { what, actual, limit, ...options.data },
    });
  }
}

export function isLlmosError(e: unknown): e is LlmosError {
  return e instanceof LlmosError;
}

/** The queue for a model is full: the caller should retry after `retryAfterSeconds`. */
export class QueueFullError extends LlmosError {
  readonly retryAfterSeconds: number;
  constructor(model: string, limit: number, retryAfterSeconds: number) {
    super("queue_full", 429, `the queue for model '${model}' is full (${limit} waiting); retry after ${retryAfterSeconds} s`, {
      data: { model, limit, retryAfterSeconds },
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A request ran past its deadline, waiting for a slot or generating. */
export class TimeoutError extends LlmosError {
  constructor(what: string, ms: number) {
    super("timeout", 504, `${what} took longer than the ${ms} ms allowed`, { data: { what, ms } });
  }
}

/** A model exists but cannot be loaded or served right now. */
export class ModelUnavailableError extends LlmosError {
  constructor(model: string, problem: string, options: LlmosErrorOptions = {}) {
    super("model_not_loadable", 503, `model '${model}' cannot be served: ${problem}`, { ...options, data: { model, ...options.data } });
  }
}
