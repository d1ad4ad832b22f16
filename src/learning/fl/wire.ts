// Messages between coordinator and sites, version 1, validated with zod on both ends. Bytes travel as
// base64; a message for another version or round is rejected with a reason.
import { z } from "zod";
import { clientMessageSchema, roundParamsSchema, serverMessageSchema } from "../secagg/index.ts";
import { localSchema } from "./config.ts";

export const WIRE_VERSION = 1;
const v = z.literal(WIRE_VERSION, { error: `unsupported message version (this coordinator speaks version ${WIRE_VERSION})` });
const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64");
const site = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);

export const metricsSchema = z.object({
  examples: z.number().int().min(0),
  lossBefore: z.number().optional(),
  lossAfter: z.number().optional(),
  steps: z.number().int().min(0),
}).strict();
export type SiteMetrics = z.infer<typeof metricsSchema>;

// Site → coordinator.
export const joinSchema = z.object({ v, type: z.literal("join"), site }).strict();
export const pollSchema = z.object({ v, type: z.literal("poll"), site }).strict();
export const updateSchema = z.object({ v, type: z.literal("update"), site, roundId: z.string(), delta: b64, metrics: metricsSchema }).strict();
export const secaggUpSchema = z.object({ v, type: z.literal("secagg"), site, roundId: z.string(), msg: clientMessageSchema, metrics: metricsSchema.optional() }).strict();
export const submitSchema = z.discriminatedUnion("type", [updateSchema, secaggUpSchema]);
export type Submit = z.infer<typeof submitSchema>;

// Coordinator → site.
export const welcomeSchema = z.object({
  v, type: z.literal("welcome"), federation: z.string(), site,
  model: z.object({ preset: z.string(), vocabSize: z.number().int() }),
  tokenizer: z.unknown(),
}).strict();
export const roundTaskSchema = z.object({
  v, type: z.literal("round"), round: z.number().int(), roundId: z.string(),
  weights: b64, local: localSchema, clientUpdate: z.enum(["train", "gradient"]),
  /** false under client-level DP: losses and example counts are not covered by the DP noise, so sites keep them. */
  reportMetrics: z.boolean(),
  /** Secure aggregation for this round, or null for plain updates. */
  secagg: z.object({ params: roundParamsSchema, bound: z.number(), fracBits: z.number().int(), clip: z.number(), examplesCap: z.number(), uniformWeights: z.boolean(), noiseStd: z.number().min(0) }).nullable(),
}).strict();
export const secaggDownSchema = z.object({ v, type: z.literal("secagg"), roundId: z.string(), msg: serverMessageSchema }).strict();
export const idleSchema = z.object({ v, type: z.literal("idle") }).strict();
export const finishSchema = z.object({ v, type: z.literal("finish"), rounds: z.number().int() }).strict();
export const taskSchema = z.discriminatedUnion("type", [roundTaskSchema, secaggDownSchema, idleSchema, finishSchema]);
export type Task = z.infer<typeof taskSchema>;
export type RoundTask = z.infer<typeof roundTaskSchema>;

export function f32ToB64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

export function b64ToF32(s: string): Float32Array {
  const b = Buffer.from(s, "base64");
  if (b.byteLength % 4 !== 0) throw new Error("float32 payload length is not a multiple of 4");
  return new Float32Array(Uint8Array.from(b).buffer);
}
