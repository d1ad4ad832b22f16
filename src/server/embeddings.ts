// POST /v1/embeddings.
import type { FastifyInstance } from "fastify";
import { LlmosError } from "../errors/index.ts";
import type { GenerateDeps } from "./generate.ts";
import { embeddingRequest, parseBody } from "./schemas.ts";

export function embeddingRoutes(app: FastifyInstance, deps: GenerateDeps): void {
  app.post("/v1/embeddings", async (req) => {
    const body = parseBody(embeddingRequest, req.body);
    const target = deps.target(req.principal, body.model);
    if (!target.embed) throw new LlmosError("unsupported", 400, `model '${body.model}' does not provide embeddings`, { data: { field: "model" } });
    const texts = typeof body.input === "string" ? [body.input] : body.input;
    const r = await target.embed(texts, { tenant: req.principal.tenant });
    const data = r.embeddings.map((e, index) => ({
      object: "embedding",
      index,
      embedding: body.encoding_format === "base64" ? Buffer.from(Float32Array.from(e).buffer).toString("base64") : e,
    }));
    return { object: "list", data, model: body.model, usage: { prompt_tokens: r.promptTokens, total_tokens: r.promptTokens } };
  });
}
