// Parties over the network: a full mesh of mutually authenticated TLS connections (node:tls, the
// project CA from src/security/pki). Party i listens; it dials every j < i and accepts every j > i.
// A hello frame carries the job hash: a peer with another job, id or certificate name is refused.
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { InvalidArgumentError } from "../../../errors/index.ts";
import { ProtocolAbortError } from "../errors.ts";
import { Mailbox, type Transport } from "../transport.ts";
import { partyName, type MpcCredentials } from "./credentials.ts";
import { encodeFrame, jsonPayload, parseJsonPayload, readFrames } from "./frames.ts";

export interface Endpoint { host: string; port: number }

export function parseEndpoint(s: string, field = "address"): Endpoint {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(s.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(field, `must be host:port, got '${s}'`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

export function peerName(socket: tls.TLSSocket): string {
  const cert = socket.getPeerX509Certificate();
  if (!cert) return "";
  return /CN=([^\n,]+)/.exec(cert.subject)?.[1] ?? "";
}

interface Hello { party: number; jobHash: string; parties: number }

function helloOk(h: unknown, expect: { party: number; jobHash: string; parties: number }): string | null {
  const v = h as Partial<Hello> | null;
  if (!v || typeof v !== "object") return "malformed hello";
  if (v.party !== expect.party) return `claims to be party ${String(v.party)}, expected ${expect.party}`;
  if (v.parties !== expect.parties) return `runs with ${String(v.parties)} parties, this party with ${expect.parties}`;
  if (v.jobHash !== expect.jobHash) return "has a different job description (job hash mismatch)";
  return null;
}

export interface MeshOptions {
  id: number;
  /** Listen address of every party, indexed by party id. */
  peers: Endpoint[];
  credentials: MpcCredentials;
  jobHash: string;
  timeoutMs?: number;
}

export class TlsTransport implements Transport {
  private readonly box = new Mailbox();
  private readonly sockets = new Map<number, tls.TLSSocket>();
  private closing = false;
  private constructor(readonly id: number, readonly n: number, private readonly server: tls.Server) {}

  /** Listens, dials and accepts until every peer is connected and has sent a matching hello. */
  static async connect(opts: MeshOptions): Promise<TlsTransport> {
    const { id, peers, credentials, jobHash } = opts;
    const n = peers.length;
    if (id < 0 || id >= n) throw new InvalidArgumentError("--id", `must be in [0, ${n - 1}] for ${n} peers`);
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    const secure = { ca: credentials.ca, cert: credentials.cert, key: credentials.key, minVersion: "TLSv1.3" as const };
    let transport!: TlsTransport;
    const accepted = new Map<number, tls.TLSSocket>();
    let acceptDone: (() => void) | null = null;
    let acceptFail: ((e: Error) => void) | null = null;
    const server = tls.createServer({ ...secure, requestCert: true, rejectUnauthorized: true }, (socket) => {
      // The first frame must be a hello from a party j > id whose certificate says party-j.
      const onFirst = (tag: string, payload: Uint8Array) => {
        if (tag !== "hello") return socket.destroy();
        const h = parseJsonPayload(payload) as Partial<Hello>;
        const j = typeof h.party === "number" ? h.party : -1;
        const problem = j <= id || j >= n ? `party ${j} may not dial party ${id}`
          : peerName(socket) !== partyName(j) ? "certificate name does not match its party id"
          : accepted.has(j) ? `party ${j} is already connected`
          : helloOk(h, { party: j, jobHash, parties: n });
        if (problem) {
          socket.write(encodeFrame("refused", jsonPayload({ problem })));
          socket.end();
          acceptFail?.(new ProtocolAbortError(`peer refused: ${problem}`));
          return;
        }
        socket.write(encodeFrame("hello", jsonPayload({ party: id, jobHash, parties: n })));
        accepted.set(j, socket);
        handler = (t, p) => transport.box.deliver(j, t, p);
        if (accepted.size === n - 1 - id) acceptDone?.();
      };
      let handler: (tag: string, payload: Uint8Array) => void = onFirst;
      readFrames(socket, (t, p) => handler(t, p));
      socket.on("error", () => {});
    });
    const me = peers[id]!;
    await new Promise<void>((resolve, reject) => {
      server.once("error", (e) => reject(new InvalidArgumentError("--peers", `party ${id} cannot listen on ${me.host}:${me.port}`, { cause: e })));
      server.listen(me.port, me.host, () => resolve());
    });
    transport = new TlsTransport(id, n, server);
    const acceptAll = new Promise<void>((resolve, reject) => {
      acceptDone = resolve;
      acceptFail = reject;
      if (n - 1 - id === 0) resolve();
    });
    try {
      const dialed = await Promise.all(
        peers.slice(0, id).map((ep, j) => dialPeer(ep, secure, { id, j, n, jobHash, deadline }, (t, p) => transport.box.deliver(j, t, p))),
      );
      dialed.forEach((s, j) => transport.attach(j, s));
      await withDeadline(acceptAll, deadline, `waiting for parties ${id + 1}..${n - 1} to connect`);
      for (const [j, s] of accepted) transport.attach(j, s);
    } catch (e) {
      await transport.close();
      for (const s of accepted.values()) s.destroy();
      throw e;
    }
    return transport;
  }

  private attach(j: number, socket: tls.TLSSocket): void {
    this.sockets.set(j, socket);
    socket.on("close", () => {
      if (!this.closing) this.box.failFrom(j, new ProtocolAbortError(`connection to party ${j} was lost`));
    });
  }

  /** Fails every pending and future receive (e.g. the job's deadline passed); close() still follows. */
  abort(error: Error): void {
    this.box.fail(error);
  }

  send(to: number, tag: string, payload: Uint8Array): void {
    const s = this.sockets.get(to);
    if (!s) throw new ProtocolAbortError(`no connection to party ${to}`);
    s.write(encodeFrame(tag, payload));
  }

  recv(from: number, tag: string): Promise<Uint8Array> {
    return this.box.take(from, tag);
  }

  /** Ends every connection after its pending writes and stops listening. */
  async close(): Promise<void> {
    this.closing = true;
    this.box.fail(new ProtocolAbortError("transport closed"));
    await Promise.all([...this.sockets.values()].map((s) => new Promise<void>((resolve) => {
      if (s.destroyed) return resolve();
      s.once("close", () => resolve());
      s.end();
      setTimeout(() => { s.destroy(); resolve(); }, 2000).unref();
    })));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  address(): AddressInfo { return this.server.address() as AddressInfo; }
}

async function withDeadline<T>(p: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProtocolAbortError(`timed out ${what}`)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** Dials party j (retrying while it is not yet listening), checks its certificate name and hello. */
export async function dialPeer(
  ep: Endpoint,
  secure: tls.ConnectionOptions,
  ctx: { id: number; j: number; n: number; jobHash: string; deadline: number; expectName?: string; dealerHello?: (payload: Uint8Array) => void },
  onFrame: (tag: string, payload: Uint8Array) => void,
): Promise<tls.TLSSocket> {
  const expectName = ctx.expectName ?? partyName(ctx.j);
  for (;;) {
    try {
      return await new Promise<tls.TLSSocket>((resolve, reject) => {
        const socket = tls.connect({ ...secure, host: ep.host, port: ep.port, });
        let greeted = false;
        socket.once("secureConnect", () => {
          if (peerName(socket) !== expectName) {
            socket.destroy();
            return reject(new ProtocolAbortError(`the peer at ${ep.host}:${ep.port} is not ${expectName}`));
          }
          socket.write(encodeFrame("hello", jsonPayload({ party: ctx.id, jobHash: ctx.jobHash, parties: ctx.n })));
        });
        readFrames(socket, (tag, payload) => {
          if (greeted) return onFrame(tag, payload);
          if (tag === "refused") {
            const p = parseJsonPayload(payload) as { problem?: string };
            socket.destroy();
            return reject(new ProtocolAbortError(`${expectName} refused this party: ${String(p.problem)}`));
          }
          if (tag === "hello" && ctx.dealerHello) {
            ctx.dealerHello(payload);
            greeted = true;
            return resolve(socket);
          }
          const problem = tag === "hello" ? helloOk(parseJsonPayload(payload), { party: ctx.j, jobHash: ctx.jobHash, parties: ctx.n }) : "did not greet";
          if (problem) {
            socket.destroy();
            return reject(new ProtocolAbortError(`${expectName} ${problem}`));
          }
          greeted = true;
          resolve(socket);
        });
        socket.once("error", (e) => reject(e));
        socket.once("close", () => { if (!greeted) reject(Object.assign(new Error("closed before hello"), { code: "ECONNRESET" })); });
      });
    } catch (e) {
      const code = (e as { code?: string }).code;
      const retryable = code === "ECONNREFUSED" || code === "ECONNRESET";
      if (!retryable || Date.now() > ctx.deadline) {
        if (e instanceof ProtocolAbortError) throw e;
        throw new ProtocolAbortError(`cannot reach ${expectName} at ${ep.host}:${ep.port}`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
