// POST /v1/completions and /v1/chat/completions: one path for both, answered as JSON or as SSE.
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ModelTarget } from "../kernel/index.ts";
import type { ChatMessage, FinishReason, GenerationInput, GenerationOptions, StreamPart, Usage } from "../runtime/index.ts";
import type { Principal } from "./auth.ts";
import { InvalidArgumentError } from "../errors/index.ts";
import { toOpenAiError } from "./errors.ts";
import { chatRequest, completionRequest, parseBody, type ChatRequest, type CompletionRequest } from "./schemas.ts";
import { disconnectSignal, openSse } from "./sse.ts";

export interface GenerateDeps {
  target(principal: Principal, model: string): ModelTarget;
}

const usageOf = (u: Usage) => ({ prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.promptTokens + u.completionTokens });
const finishOf = (f: FinishReason) => (f === "length" ? "length" : "stop");

function options(r: CompletionRequest | ChatRequest, signal: AbortSignal): GenerationOptions {
  const max = ("max_completion_tokens" in r ? r.max_completion_tokens : undefined) ?? r.max_tokens;
  return {
    maxTokens: max ?? (("messages" in r) ? 256 : 16),
    temperature: r.temperature ?? 1,
    ...(r.top_p !== undefined ? { topP: r.top_p } : {}),
    ...(r.seed !== undefined ? { seed: r.seed } : {}),
    ...(r.stop ? { stop: typeof r.stop === "string" ? [r.stop] : r.stop } : {}),
    signal,
  };
}

function messagesOf(r: ChatRequest): ChatMessage[] {
  return r.messages.map((m) => {
    const text = m.content == null ? "" : typeof m.content === "string" ? m.content : m.content.map((p) => p.text).join("");
    const out: ChatMessage = { role: m.role, content: text };
    if ("name" in m && m.name) out.name = m.name;
    if ("tool_calls" in m && m.tool_calls) out.tool_calls = m.tool_calls;
    if ("tool_call_id" in m) out.tool_call_id = m.tool_call_id;
    return out;
  });
}

interface Shape {
  object: string;
  chunkObject: string;
  choice(text: string, finish: string): unknown;
  delta(text: string | null, finish: string | null, first: boolean): unknown;
}

const COMPLETION: Shape = {
  object: "text_completion",
  chunkObject: "text_completion",
  choice: (text, finish) => ({ index: 0, text, logprobs: null, finish_reason: finish }),
  delta: (text, finish) => ({ index: 0, text: text ?? "", logprobs: null, finish_reason: finish }),
};

const CHAT: Shape = {
  object: "chat.completion",
  chunkObject: "chat.completion.chunk",
  choice: (text, finish) => ({ index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: finish }),
  delta: (text, finish, first) => ({ index: 0, delta: finish ? {} : { ...(first ? { role: "assistant" } : {}), content: text ?? "" }, logprobs: null, finish_reason: finish }),
};

async function answer(reply: FastifyReply, target: ModelTarget, stream: AsyncIterable<StreamPart>, shape: Shape, wantStream: boolean, includeUsage: boolean, prefix: string) {
  const id = `${prefix}-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const head = { id, created, model: target.id, system_fingerprint: null };
  if (!wantStream) {
    let text = "";
    for await (const part of stream) {
      if (part.type === "text-delta") text += part.text;
      else if (part.type === "error") throw part.error;
      else return { ...head, object: shape.object, choices: [shape.choice(text, finishOf(part.finishReason))], usage: usageOf(part.usage) };
    }
    throw new Error("generation ended without a finish");
  }
  // Pull the first part before committing to a 200: an error before any text still gets its status.
  const it = stream[Symbol.asyncIterator]();
  const first = await it.next();
  if (!first.done && first.value.type === "error") {
    await it.return?.();
    throw first.value.error;
  }
  const sse = openSse(reply);
  // Every chunk starts with the same fields: serialized once per response, not once per token.
  const chunkHead = `{"id":${JSON.stringify(id)},"object":${JSON.stringify(shape.chunkObject)},"created":${created},"model":${JSON.stringify(target.id)},"system_fingerprint":null,"choices":`;
  const chunk = (choices: unknown[], usage?: object) => sse.sendJson(`${chunkHead}${JSON.stringify(choices)}${usage ? `,"usage":${JSON.stringify(usage)}` : ""}}`);
  chunk([shape.delta("", null, true)]);
  let part = first;
  let flushed = false;
  while (!part.done) {
    const p = part.value;
    if (sse.closed) break;
    if (p.type === "text-delta") {
      chunk([shape.delta(p.text, null, false)]);
      // The first text goes out now, with the headers and the role chunk in one write (time to
      // first token); later chunks coalesce per turn of the event loop.
      if (!flushed) {
        flushed = true;
        sse.flush();
      }
    }
    else if (p.type === "error") {
      sse.send(toOpenAiError(p.error).body);
      break;
    } else {
      chunk([shape.delta(null, finishOf(p.finishReason), false)]);
      if (includeUsage) chunk([], usageOf(p.usage));
    }
    part = await it.next();
  }
  await it.return?.();
  sse.done();
  return reply;
}

/** `X-LLMOS-Conversation`: requests sharing it keep the same pseudonyms (kept sealed in the vault). */
function conversationOf(req: FastifyRequest): { conversation?: string } {
  const h = req.headers["x-llmos-conversation"];
  if (h === undefined) return {};
  if (typeof h !== "string" || !/^[A-Za-z0-9._:-]{1,128}$/.test(h)) {
    throw new InvalidArgumentError("X-LLMOS-Conversation", "must be 1-128 characters of A-Z a-z 0-9 . _ : -");
  }
  return { conversation: h };
}

export function generateRoutes(app: FastifyInstance, deps: GenerateDeps): void {
  const run = async (req: FastifyRequest, reply: FastifyReply, input: GenerationInput, body: CompletionRequest | ChatRequest, shape: Shape, prefix: string) => {
    const target = deps.target(req.principal, body.model);
    const signal = disconnectSignal(reply);
    const stream = await target.open(input, options(body, signal), { tenant: req.principal.tenant, signal, ...(body.user ? { user: body.user } : {}), ...conversationOf(req) });
    return answer(reply, target, stream, shape, body.stream === true, body.stream_options?.include_usage === true, prefix);
  };
  app.post("/v1/completions", async (req, reply) => {
    const body = parseBody(completionRequest, req.body);
    return run(req, reply, { prompt: body.prompt }, body, COMPLETION, "cmpl");
  });
  app.post("/v1/chat/completions", async (req, reply) => {
    const body = parseBody(chatRequest, req.body);
    return run(req, reply, { messages: messagesOf(body) }, body, CHAT, "chatcmpl");
  });
}
