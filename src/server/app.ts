// The HTTP service: OpenAI-compatible /v1 endpoints over the models this process serves.
import Fastify, { type FastifyInstance } from "fastify";
import { NotFoundError } from "../errors/index.ts";
import type { LlamaCppModel } from "../runtime/index.ts";
import { keyChecker } from "./auth.ts";
import { completionRoute } from "./completions.ts";
import { toOpenAiError } from "./errors.ts";

export interface ServedModel {
  id: string;
  runtime: LlamaCppModel;
  created: number;
}

export interface ServerOptions {
  models: ServedModel[];
  apiKey: string;
  /** Largest accepted request body in bytes. */
  bodyLimit?: number;
}

export function buildServer(opts: ServerOptions): FastifyInstance {
  const app = Fastify({ bodyLimit: opts.bodyLimit ?? 1 << 20, logger: false });
  const checkKey = keyChecker(opts.apiKey);
  const byId = new Map(opts.models.map((m) => [m.id, m]));

  app.setErrorHandler((error, req, reply) => {
    const { status, body } = toOpenAiError(error);
    // Only the error's class and code are logged: messages may echo request content.
    if (status >= 500) process.stderr.write(`llmos: ${req.method} ${req.url.split("?")[0]} failed: ${(error as Error).name} ${(error as { code?: string }).code ?? ""}\n`);
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: { message: `no route ${req.method} ${req.url.split("?")[0]}`, type: "not_found_error", code: "unknown_route" } });
  });
  app.addHook("onRequest", async (req) => {
    if (req.url === "/health") return;
    checkKey(req.headers.authorization);
  });

  app.get("/health", async () => ({ status: "ok", models: opts.models.length }));
  app.get("/v1/models", async () => ({
    object: "list",
    data: opts.models.map((m) => ({ id: m.id, object: "model", created: m.created, owned_by: "llmos" })),
  }));

  const resolve = (id: string): ServedModel => {
    const m = byId.get(id);
    if (!m) throw new NotFoundError("model", id, `available: ${[...byId.keys()].join(", ")}`);
    return m;
  };
  completionRoute(app, resolve);
  return app;
}
