// Request bodies of the OpenAI-compatible endpoints, validated with zod.
import { z } from "zod";
import { InvalidArgumentError } from "../errors/index.ts";

const sampling = {
  model: z.string().min(1).max(200),
  max_tokens: z.number().int().positive().max(1_000_000).optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).lte(1).optional(),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  user: z.string().max(256).optional(),
  // One choice per request: a client asking for more must hear so rather than get one silently.
  n: z.literal(1, { message: "only n = 1 is supported" }).optional(),
};

export const completionRequest = z.object({
  ...sampling,
  prompt: z.string().min(1),
});
export type CompletionRequest = z.infer<typeof completionRequest>;

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const content = z.union([z.string(), z.array(textPart).min(1, "must hold at least one text part")]);

const toolCall = z.object({
  id: z.string().max(200),
  type: z.literal("function"),
  function: z.object({ name: z.string().max(200), arguments: z.string() }),
});

const message = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content, name: z.string().max(200).optional() }),
  z.object({ role: z.literal("developer"), content, name: z.string().max(200).optional() }),
  z.object({ role: z.literal("user"), content, name: z.string().max(200).optional() }),
  z.object({ role: z.literal("assistant"), content: content.nullable().optional(), name: z.string().max(200).optional(), tool_calls: z.array(toolCall).optional() }),
  z.object({ role: z.literal("tool"), content, tool_call_id: z.string().max(200) }),
]);

export const chatRequest = z.object({
  ...sampling,
  messages: z.array(message).min(1, "must hold at least one message").max(1000),
  max_completion_tokens: z.number().int().positive().max(1_000_000).optional(),
});
export type ChatRequest = z.infer<typeof chatRequest>;

export const embeddingRequest = z.object({
  model: z.string().min(1).max(200),
  input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(256)]),
  encoding_format: z.enum(["float", "base64"]).optional(),
  user: z.string().max(256).optional(),
});

/** Parses a body or throws an InvalidArgumentError naming the first wrong field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidArgumentError("body", "must be a JSON object");
  }
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join(".") || "body";
  throw new InvalidArgumentError(field, issue.message);
}
