// Pipeline definitions (JSON or YAML): virtual models composed of other models, validated with zod.
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { InvalidArgumentError } from "../../errors/index.ts";

const name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "must be 1-64 characters of a-z, 0-9, '.', '_' or '-'");
const modelRef = z.string().min(1).max(200);

const condition = z.object({
  /** Any of these substrings (case-insensitive) in the last user message. */
  contains: z.array(z.string().min(1)).min(1).optional(),
  /** The prompt (all text) is at most this many characters. */
  max_chars: z.number().int().positive().optional(),
  /** At least this many characters. */
  min_chars: z.number().int().nonnegative().optional(),
  /** The request's `user` field is one of these. */
  users: z.array(z.string()).min(1).optional(),
  /** chat or completion requests only. */
  kind: z.enum(["chat", "completion"]).optional(),
}).strict().refine((c) => Object.keys(c).length > 0, "a condition needs at least one test");

export const pipelineDefinition = z.discriminatedUnion("kind", [
  z.object({
    name, kind: z.literal("chain"), description: z.string().max(500).optional(),
    steps: z.array(z.object({
      model: modelRef,
      /** `{{input}}` is the request's text, `{{previous}}` the last step's output. */
      template: z.string().min(1).max(20_000),
      max_tokens: z.number().int().positive().optional(),
    }).strict()).min(1).max(8),
  }).strict(),
  z.object({
    name, kind: z.literal("router"), description: z.string().max(500).optional(),
    routes: z.array(z.object({ when: condition, model: modelRef }).strict()).min(1).max(32),
    default: modelRef,
  }).strict(),
  z.object({
    name, kind: z.literal("fallback"), description: z.string().max(500).optional(),
    models: z.array(modelRef).min(2).max(8),
  }).strict(),
  z.object({
    name, kind: z.literal("ensemble"), description: z.string().max(500).optional(),
    models: z.array(modelRef).min(2).max(8),
    /** vote: the most frequent answer; consensus: the answer closest to all others (minimum Bayes risk). */
    pick: z.enum(["vote", "consensus"]).default("vote"),
  }).strict(),
]);

export type PipelineDefinition = z.infer<typeof pipelineDefinition>;

/** Parses JSON or YAML text (or an already parsed value) into a definition, naming the first wrong field. */
export function parsePipeline(input: unknown, source = "pipeline"): PipelineDefinition {
  let value = input;
  if (typeof input === "string") {
    try {
      value = parseYaml(input); // YAML is a superset of JSON
    } catch (e) {
      throw new InvalidArgumentError(source, `is neither JSON nor YAML (${(e as Error).message.split("\n")[0]})`);
    }
  }
  const r = pipelineDefinition.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new InvalidArgumentError(`${source}${issue.path.length ? `.${issue.path.join(".")}` : ""}`, issue.message);
}

/** Every model a pipeline may call. */
export function referencedModels(d: PipelineDefinition): string[] {
  switch (d.kind) {
    case "chain": return d.steps.map((s) => s.model);
    case "router": return [...d.routes.map((r) => r.model), d.default];
    default: return d.models;
  }
}
