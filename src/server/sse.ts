// Server-Sent Events exactly as OpenAI streams them: `data: {json}\n\n` per chunk, then `data: [DONE]`.
import type { FastifyReply } from "fastify";

export interface SseWriter {
  send(data: unknown): void;
  /** Sends `json`, already serialized (one JSON value, no line breaks), as one event. */
  sendJson(json: string): void;
  /** Writes what is corked now rather than at the end of this turn of the event loop. */
  flush(): void;
  done(): void;
  readonly closed: boolean;
}

export function openSse(reply: FastifyReply): SseWriter {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
  // Chunks produced in one turn of the event loop go out in one write (one syscall, one wake-up of
  // the client) instead of one each.
  let corked = false;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    res.uncork();
  };
  const write = (json: string) => {
    if (res.destroyed) return;
    if (!corked) {
      corked = true;
      res.cork();
      setImmediate(uncork);
    }
    res.write(`data: ${json}\n\n`);
  };
  return {
    send: (data) => write(JSON.stringify(data)),
    sendJson: (json) => write(json),
    flush: uncork,
    done: () => {
      if (!res.destroyed) res.end("data: [DONE]\n\n");
    },
    get closed() {
      return res.destroyed;
    },
  };
}

/** An AbortSignal that fires when the client goes away before the response finished. */
export function disconnectSignal(reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  // The response's "close" before it finished means the client left (the request's own "close" fires
  // as soon as its body has been read).
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) ac.abort();
  });
  return ac.signal;
}
