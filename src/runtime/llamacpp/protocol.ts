// Messages between a ThreadedLlamaCppModel (the server's thread) and its worker (worker.ts). Errors
// cross the thread boundary as plain data and come back as LlmosErrors with the same code, status,
// message and data, so the server answers exactly as it would for an in-thread runtime.
import { LlmosError } from "../../errors/index.ts";
import type { EmbeddingResult, GenerationInput } from "../spec.ts";
import type { GenerationOptions, StreamPart } from "../stream.ts";
import type { LoadOptions } from "./model.ts";

export type ToWorker =
  | { t: "load"; path: string; opts: LoadOptions }
  | { t: "stream"; id: number; input: GenerationInput; options: Omit<GenerationOptions, "signal"> }
  | { t: "abort"; id: number }
  | { t: "embed"; id: number; texts: string[] }
  | { t: "dispose" };

export interface WireError { name: string; message: string; code: string; status: number; data: Record<string, unknown> }

export type WirePart = Exclude<StreamPart, { type: "error" }> | { type: "error"; error: WireError };

export type FromWorker =
  | { t: "loaded"; contextSize: number; slots: number }
  | { t: "load-error"; error: WireError }
  | { t: "part"; id: number; part: WirePart }
  | { t: "embedded"; id: number; result: EmbeddingResult }
  | { t: "embed-error"; id: number; error: WireError }
  | { t: "disposed" };

export function toWire(e: unknown): WireError {
  const err = e instanceof Error ? e : new Error(String(e));
  const l = err instanceof LlmosError ? err : undefined;
  return { name: err.name, message: err.message, code: l?.code ?? "runtime_error", status: l?.status ?? 500, data: l?.data ?? {} };
}

export function fromWire(w: WireError): LlmosError {
  const e = new LlmosError(w.code, w.status, w.message, { data: w.data });
  e.name = w.name;
  return e;
}

export function partToWire(p: StreamPart): WirePart {
  return p.type === "error" ? { type: "error", error: toWire(p.error) } : p;
}

export function partFromWire(p: WirePart): StreamPart {
  return p.type === "error" ? { type: "error", error: fromWire(p.error) } : p;
}
