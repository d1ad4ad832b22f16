// The HTTP service: OpenAI-compatible /v1 endpoints and the /v1/os calls, over one kernel.
import Fastify, { type FastifyInstance } from "fastify";
import pino from "pino";
import { InvalidArgumentError, LimitExceededError, LlmosError } from "../errors/index.ts";
import type { Kernel } from "../kernel/index.ts";
import { securityHook, securityRoutes } from "../security/index.ts";
import { embeddingRoutes } from "./embeddings.ts";
import { toOpenAiError } from "./errors.ts";
import { generateRoutes } from "./generate.ts";
import { modelRoutes } from "./os-models.ts";
import { pipelineRoutes } from "./os-pipelines.ts";
import { dpRoutes } from "./os-dp.ts";
import { piiRoutes } from "./os-pii.ts";
import type { Principal } from "./auth.ts";

export interface ServerOptions {
  kernel: Kernel;
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: string; key: string };
  /** Access log (JSON lines); default pino on stderr at LLMOS_LOG_LEVEL (info). */
  log?: pino.Logger;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export function buildServer(opts: ServerOptions): FastifyInstance {
  const { kernel } = opts;
  const app = (opts.tls
    ? Fastify({ bodyLimit: opts.bodyLimit ?? 1 << 20, logger: false, https: { cert: opts.tls.cert, key: opts.tls.key, minVersion: "TLSv1.2" } })
    : Fastify({ bodyLimit: opts.bodyLimit ?? 1 << 20, logger: false })) as unknown as FastifyInstance;

  // JSON bodies must be valid UTF-8: a lone byte 0xff is an error, not a silent U+FFFD.
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (req, body: Buffer, done) => {
    // A bodiless GET or DELETE that still names a content type has nothing to parse.
    if (body.length === 0 && (req.method === "GET" || req.method === "DELETE" || req.method === "HEAD")) {
      done(null, undefined);
      return;
    }
    let text: string;
    try {
      text = strictUtf8.decode(body);
    } catch {
      done(new InvalidArgumentError("body", "is not valid UTF-8"), undefined);
      return;
    }
    if (text.trim() === "") {
      done(new InvalidArgumentError("body", "is empty; send a JSON object"), undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new InvalidArgumentError("body", `is not valid JSON (${(e as Error).message.replace(/"[^"]*"/g, "…").slice(0, 120)})`), undefined);
    }
  });

  // The access log holds what happened, never what was said: no bodies, no headers, no query strings
  // (they may carry PII or keys), only the route pattern, status, timing and who asked.
  const log = opts.log ?? pino({ level: process.env.LLMOS_LOG_LEVEL ?? "info", base: undefined }, pino.destination(2));
  app.setErrorHandler((error, req, reply) => {
    const { status, body } = toOpenAiError(error);
    // Only the error's class and code are logged: messages may echo request content.
    if (status >= 500) log.error({ req: req.id, route: req.routeOptions.url ?? "(unknown)", error: (error as Error).name, code: (error as { code?: string }).code }, "request failed");
    const retry = (error as { data?: { retryAfterSeconds?: unknown } }).data?.retryAfterSeconds;
    if (typeof retry === "number") void reply.header("retry-after", String(retry));
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: { message: `no route ${req.method} ${req.url.split("?")[0]}`, type: "not_found_error", code: "unknown_route" } });
  });
  app.decorateRequest("principal", undefined as never);
  const bodyLimit = opts.bodyLimit ?? 1 << 20;
  const authenticate = securityHook({
    identity: kernel.security.identity,
    limiter: kernel.security.limiter,
    // Failed authentications go on the ledger (bounded by the per-address failure limit).
    onFailure: ({ keyId, reason }) => kernel.security.ledger.appendGrouped({ who: "anonymous", action: "auth.fail", resource: `key:${keyId ?? "malformed"}`, tenant: "default", decision: "deny", detail: { reason } }),
  });
  // One onRequest hook (each hook is a step of fastify's hook runner on every request): the access
  // log, the body-size check, then authentication.
  app.addHook("onRequest", async (req, reply) => {
    const started = performance.now();
    // Logged when the socket's response ends, so streamed (hijacked) answers and client aborts are in it too.
    reply.raw.once("close", () => {
      log.info({
        req: req.id, method: req.method, route: req.routeOptions.url ?? "(unknown)", status: reply.raw.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10, ...(reply.raw.writableFinished ? {} : { aborted: true }),
        principal: req.principal?.id, tenant: req.principal?.tenant,
      }, "request");
    });
    // Refuse an oversized body before reading it, but drain it so the client can read the 413
    // (closing mid-upload would make clients report a connection reset instead).
    const length = Number(req.headers["content-length"] ?? 0);
    if (length > bodyLimit) {
      req.raw.resume();
      throw new LimitExceededError("request body in bytes", length, bodyLimit);
    }
    await authenticate(req, reply);
  });

  app.get("/health", async () => ({ status: "ok", loaded_models: kernel.scheduler.residency.residentKeys.length }));
  // Queues span tenants: operators only.
  app.get("/v1/os/scheduler", async (req) => {
    if (req.principal.role !== "admin") throw new LlmosError("forbidden", 403, "only an admin may read the scheduler's state");
    return { policy: kernel.config.policy, queues: kernel.scheduler.stats(), resident: kernel.scheduler.residency.residentKeys };
  });

  const deps = { target: (p: Principal, model: string) => kernel.target(p, model) };
  generateRoutes(app, deps);
  embeddingRoutes(app, deps);
  modelRoutes(app, { registry: kernel.registry, pipelines: (tenant) => kernel.pipelines.list(tenant).map((p) => ({ name: p.definition.name, created: p.createdAt })) });
  pipelineRoutes(app, kernel);
  securityRoutes(app, kernel.security);
  dpRoutes(app, kernel);
  piiRoutes(app, kernel);
  return app;
}
