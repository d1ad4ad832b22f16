// Request bodies of the OpenAI-compatible endpoints, validated with zod.
import { z } from "zod";
import { InvalidArgumentError } from "../errors/index.ts";

export const completionRequest = z.object({
  model: z.string().min(1),
  prompt: z.string().min(1),
  max_tokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).lte(1).optional(),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).optional(),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).optional(),
  user: z.string().optional(),
});

export type CompletionRequest = z.infer<typeof completionRequest>;

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
