// HTTPS with mutual TLS for the federation: a JSON-over-POST server that names each caller by its
// client certificate's common name, and the matching client with a keep-alive agent. Long polling
// carries coordinator → site messages, so no WebSocket is needed.
import { request, Agent, createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { LlmosError, isLlmosError } from "../../errors/index.ts";
import { commonNameOf } from "../../security/pki/index.ts";
import type { FlCredential } from "./credentials.ts";

const MAX_BODY = 256 << 20;

export type Handler = (peer: string, path: string, body: unknown) => Promise<unknown>;

function derToPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString("base64").match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE-----\n`;
}

export interface TlsServer {
  server: Server;
  url: string;
  /** Sites with at least one open connection. */
  connected(site: string): boolean;
  close(): Promise<void>;
}

export async function startTlsServer(cred: FlCredential, host: string, port: number, handler: Handler, onDisconnect: (site: string) => void): Promise<TlsServer> {
  const open = new Map<string, number>();
  const server = createServer({ key: cred.keyPem, cert: cred.certPem, ca: cred.caPem, requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.3" }, (req, res) => {
    void serve(req, res);
  });
  // Keep idle connections while a site trains: their closing is how a killed site is noticed at once.
  server.keepAliveTimeout = 0;
  server.requestTimeout = 0;
  server.on("secureConnection", (socket: TLSSocket) => {
    const raw = socket.getPeerCertificate()?.raw;
    if (!raw) return;
    const site = commonNameOf(derToPem(raw));
    open.set(site, (open.get(site) ?? 0) + 1);
    socket.on("close", () => {
      const n = (open.get(site) ?? 1) - 1;
      if (n > 0) open.set(site, n);
      else {
        open.delete(site);
        onDisconnect(site);
      }
    });
  });
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      const raw = (req.socket as TLSSocket).getPeerCertificate()?.raw;
      if (!raw) throw new LlmosError("unauthenticated", 401, "a client certificate is required");
      const peer = commonNameOf(derToPem(raw));
      if (req.method !== "POST") throw new LlmosError("method_not_allowed", 405, "only POST is served");
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size > MAX_BODY) throw new LlmosError("limit_exceeded", 413, `request body is over ${MAX_BODY} bytes`);
        chunks.push(c as Buffer);
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        throw new LlmosError("malformed_message", 400, "the request body is not valid JSON");
      }
      send(200, await handler(peer, req.url ?? "/", body));
    } catch (e) {
      if (isLlmosError(e)) send(e.status, { error: { code: e.code, message: e.message } });
      else send(500, { error: { code: "internal", message: "internal error" } });
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const actualPort = typeof addr === "object" && addr ? addr.port : port;
  return {
    server,
    url: `https://${host.includes(":") ? `[${host}]` : host}:${actualPort}`,
    connected: (site) => (open.get(site) ?? 0) > 0,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export class RemoteError extends LlmosError {}

/** A JSON POST client holding the site's certificate; one keep-alive connection reused. */
export class TlsClient {
  private readonly agent: Agent;
  constructor(private readonly base: string, cred: FlCredential) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 2, ca: cred.caPem, cert: cred.certPem, key: cred.keyPem, minVersion: "TLSv1.3" });
  }

  post(path: string, body: unknown, timeoutMs = 120_000): Promise<unknown> {
    const data = JSON.stringify(body);
    const url = new URL(path, this.base);
    return new Promise((resolve, reject) => {
      const req = request(url, { method: "POST", agent: this.agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          } catch {
            return reject(new LlmosError("malformed_message", 502, "the coordinator's reply is not JSON"));
          }
          if (res.statusCode === 200) return resolve(parsed);
          const err = (parsed as { error?: { code?: string; message?: string } }).error;
          reject(new RemoteError(err?.code ?? "remote_error", res.statusCode ?? 500, `coordinator: ${err?.message ?? `HTTP ${res.statusCode}`}`));
        });
      });
      req.on("timeout", () => req.destroy(new LlmosError("timeout", 504, `no reply from the coordinator within ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(data);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
