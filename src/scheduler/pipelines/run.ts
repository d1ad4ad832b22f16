// Runs a pipeline: each step is an ordinary model call through the scheduler (so queues, fair share
// and limits apply to every step); only the final answer streams to the client.
import { LlmosError } from "../../errors/index.ts";
import { collect, type GenerationInput, type GenerationOptions, type StreamPart, type Usage } from "../../runtime/index.ts";
import type { Caller } from "../scheduler.ts";
import type { PipelineDefinition } from "./definition.ts";
import { chooseRoute, fillTemplate, pickByConsensus, pickByVote, routeFacts } from "./policy.ts";

export interface Openable {
  open(input: GenerationInput, options: GenerationOptions, caller: Caller): Promise<AsyncIterable<StreamPart>>;
}

export interface PipelineCall {
  input: GenerationInput;
  options: GenerationOptions;
  caller: Caller & { user?: string };
  /** Resolves a model reference of the pipeline (a model or another pipeline). */
  resolve(ref: string): Openable;
}

const textOf = (input: GenerationInput) => ("prompt" in input ? input.prompt : [...input.messages].reverse().find((m) => m.role === "user")?.content ?? "");
const add = (a: Usage, b: Usage): Usage => ({ promptTokens: a.promptTokens + b.promptTokens, completionTokens: a.completionTokens + b.completionTokens });

/** Re-emits a stream, adding earlier steps' usage to its finish part. */
async function* withUsage(parts: AsyncIterable<StreamPart>, before: Usage): AsyncGenerator<StreamPart> {
  for await (const p of parts) yield p.type === "finish" ? { ...p, usage: add(before, p.usage) } : p;
}

export async function openPipeline(d: PipelineDefinition, call: PipelineCall): Promise<AsyncIterable<StreamPart>> {
  const { input, options, caller } = call;
  switch (d.kind) {
    case "router":
      return call.resolve(chooseRoute(d, routeFacts(input, caller.user))).open(input, options, caller);

    case "chain": {
      let previous = textOf(input);
      let usage: Usage = { promptTokens: 0, completionTokens: 0 };
      for (const [i, step] of d.steps.entries()) {
        const prompt = fillTemplate(step.template, { input: textOf(input), previous });
        const stepInput: GenerationInput = "prompt" in input ? { prompt } : { messages: [{ role: "user", content: prompt }] };
        const stepOptions = { ...options, ...(step.max_tokens ? { maxTokens: step.max_tokens } : {}) };
        const stream = await call.resolve(step.model).open(stepInput, stepOptions, caller);
        if (i === d.steps.length - 1) return withUsage(stream, usage);
        const r = await collect(stream);
        usage = add(usage, r.usage);
        previous = r.text;
      }
      throw new LlmosError("internal", 500, "chain without steps");
    }

    case "fallback": {
      let last: unknown;
      for (const ref of d.models) {
        try {
          const stream = await call.resolve(ref).open(input, options, caller);
          // Fall back only while nothing has been sent: the first part decides.
          const it = stream[Symbol.asyncIterator]();
          const first = await it.next();
          if (!first.done && first.value.type === "error") {
            last = first.value.error;
            await it.return?.();
            continue;
          }
          return (async function* () {
            try {
              if (!first.done) yield first.value;
              for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
            } finally {
              // Hand the consumer's early exit on to the model's stream, which frees its slot.
              await it.return?.();
            }
          })();
        } catch (e) {
          if ((e as LlmosError).status !== undefined && (e as LlmosError).status < 500 && (e as LlmosError).status !== 429 && (e as LlmosError).status !== 404) throw e;
          last = e;
        }
      }
      throw last instanceof Error ? last : new LlmosError("upstream_error", 502, "every model of the fallback failed");
    }

    case "ensemble": {
      const results = await Promise.all(d.models.map(async (ref) => collect(await call.resolve(ref).open(input, options, caller))));
      const answers = results.map((r) => r.text);
      const pick = d.pick === "consensus" ? pickByConsensus(answers) : pickByVote(answers);
      const usage = results.reduce((u, r) => add(u, r.usage), { promptTokens: 0, completionTokens: 0 });
      const chosen = results[pick]!;
      return (async function* (): AsyncGenerator<StreamPart> {
        if (chosen.text) yield { type: "text-delta", text: chosen.text };
        yield { type: "finish", finishReason: chosen.finishReason, usage };
      })();
    }
  }
}
