// Maps any error to OpenAI's error shape {"error":{"message","type","code"}} and an HTTP status.
import { isLlmosError } from "../errors/index.ts";

export interface OpenAiErrorBody {
  error: { message: string; type: string; code: string | null; param?: string | null };
}

function typeFor(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

export function toOpenAiError(error: unknown): { status: number; body: OpenAiErrorBody } {
  if (isLlmosError(error)) {
    // A refused data-use contract names its clause where OpenAI names the faulty parameter.
    const param = typeof error.data.field === "string" ? error.data.field : typeof error.data.clause === "string" ? error.data.clause : null;
    return { status: error.status, body: { error: { message: error.message, type: typeFor(error.status), code: error.code, param } } };
  }
  const e = error as { statusCode?: number; code?: string; message?: string };
  // Fastify's own errors (bad JSON, body too large, wrong content type) carry a statusCode.
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    const message =
      e.code === "FST_ERR_CTP_BODY_TOO_LARGE" ? "request body is larger than the server's limit"
      : e.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" ? "Content-Type must be application/json"
      : e.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ? "request body is empty; send a JSON object"
      : `request body is not valid JSON (${e.message ?? "parse error"})`;
    return { status: e.statusCode, body: { error: { message, type: typeFor(e.statusCode), code: e.code ?? "invalid_request" } } };
  }
  return { status: 500, body: { error: { message: "internal server error", type: "server_error", code: "internal_error" } } };
}
