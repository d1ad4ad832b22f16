// POST /v1/completions, plain JSON or Server-Sent Events exactly as OpenAI streams them.
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { GenerationOptions } from "../runtime/index.ts";
import type { ServedModel } from "./app.ts";
import { toOpenAiError } from "./errors.ts";
import { completionRequest, parseBody, type CompletionRequest } from "./schemas.ts";

function generationOptions(r: CompletionRequest, signal: AbortSignal): GenerationOptions {
  return {
    maxTokens: r.max_tokens ?? 16,
    temperature: r.temperature ?? 1,
    ...(r.top_p !== undefined ? { topP: r.top_p } : {}),
    ...(r.seed !== undefined ? { seed: r.seed } : {}),
    ...(r.stop !== undefined ? { stop: typeof r.stop === "string" ? [r.stop] : r.stop } : {}),
    signal,
  };
}

const usageOf = (u: { promptTokens: number; completionTokens: number }) => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.promptTokens + u.completionTokens,
});

export function completionRoute(app: FastifyInstance, resolve: (id: string) => ServedModel): void {
  app.post("/v1/completions", async (req, reply) => {
    const body = parseBody(completionRequest, req.body);
    const model = resolve(body.model);
    const abort = new AbortController();
    // The response's "close" before it finished means the client went away (the request's own
    // "close" fires as soon as its body has been read).
    reply.raw.on("close", () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    const id = `cmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const stream = model.runtime.stream(body.prompt, generationOptions(body, abort.signal));

    if (!body.stream) {
      let text = "";
      for await (const part of stream) {
        if (part.type === "text-delta") text += part.text;
        else if (part.type === "error") throw part.error;
        else {
          return {
            id, object: "text_completion", created, model: model.id,
            choices: [{ index: 0, text, logprobs: null, finish_reason: part.finishReason === "length" ? "length" : "stop" }],
            usage: usageOf(part.usage),
          };
        }
      }
    }

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    const chunk = (text: string, finish: string | null) => ({
      id, object: "text_completion", created, model: model.id,
      choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
    });
    for await (const part of stream) {
      if (res.destroyed) break;
      if (part.type === "text-delta") send(chunk(part.text, null));
      else if (part.type === "error") send(toOpenAiError(part.error).body);
      else {
        send(chunk("", part.finishReason === "length" ? "length" : "stop"));
        if (body.stream_options?.include_usage) send({ id, object: "text_completion", created, model: model.id, choices: [], usage: usageOf(part.usage) });
      }
    }
    if (!res.destroyed) res.end("data: [DONE]\n\n");
  });
}
