// Runs one secure-aggregation round with every site in this process (tests, benchmarks, simulation
// mode). dropAt names, per stage, the sites that go silent before answering it.
import { SecAggClient } from "./client.ts";
import { SecAggServer, type SecAggResult, type ServerOptions } from "./server.ts";
import type { Ciphertexts, Keys, RoundParams, Survivors } from "./messages.ts";

export type DropStage = "advertise" | "shares" | "masked" | "unmask";

export interface SimulationStats {
  result: SecAggResult;
  /** Milliseconds spent in all clients together, and in the server. */
  clientMs: number;
  serverMs: number;
  /** JSON bytes each surviving site sent / received over the whole round, on average. */
  bytesSentPerSite: number;
  bytesReceivedPerSite: number;
  /** What the server saw of each site's input (for the masking test). */
  maskedViews: Map<string, string>;
}

export function simulateRound(params: RoundParams, inputs: Map<string, Uint32Array>, dropAt: Partial<Record<DropStage, string[]>> = {}, options: ServerOptions = {}): SimulationStats {
  let clientMs = 0;
  let serverMs = 0;
  const sent = new Map<string, number>();
  const received = new Map<string, number>();
  const timed = <T>(f: () => T, who: "c" | "s"): T => {
    const t0 = performance.now();
    const r = f();
    if (who === "c") clientMs += performance.now() - t0;
    else serverMs += performance.now() - t0;
    return r;
  };
  const gone = new Set<string>();
  const server = new SecAggServer(params, options);
  const clients = new Map(params.sites.map((s) => [s, new SecAggClient(s, params)]));
  const maskedViews = new Map<string, string>();
  const send = (site: string, msg: Parameters<SecAggServer["receive"]>[0]) => {
    const json = JSON.stringify(msg);
    sent.set(site, (sent.get(site) ?? 0) + json.length);
    if (msg.type === "secagg/masked") maskedViews.set(site, msg.masked);
    timed(() => server.receive(JSON.parse(json)), "s");
  };
  const deliver = <T>(out: Map<string, T>, stage: DropStage, reply: (c: SecAggClient, m: T) => Parameters<SecAggServer["receive"]>[0]) => {
    for (const s of dropAt[stage] ?? []) gone.add(s);
    for (const [site, m] of out) {
      if (gone.has(site)) continue;
      const json = JSON.stringify(m);
      received.set(site, (received.get(site) ?? 0) + json.length);
      send(site, timed(() => reply(clients.get(site)!, JSON.parse(json) as T), "c"));
    }
  };
  for (const s of dropAt.advertise ?? []) gone.add(s);
  for (const [site, c] of clients) if (!gone.has(site)) send(site, timed(() => c.advertise(), "c"));
  const keys = timed(() => server.close(), "s") as Map<string, Keys>;
  deliver(keys, "shares", (c, m) => c.shareKeys(m));
  const cts = timed(() => server.close(), "s") as Map<string, Ciphertexts>;
  deliver(cts, "masked", (c, m) => c.maskInput(m, inputs.get(c.site)!));
  const surv = timed(() => server.close(), "s") as Map<string, Survivors>;
  deliver(surv, "unmask", (c, m) => c.unmask(m));
  const result = timed(() => server.close(), "s") as SecAggResult;
  const avg = (m: Map<string, number>) => result.survivors.reduce((a, s) => a + (m.get(s) ?? 0), 0) / Math.max(1, result.survivors.length);
  return { result, clientMs, serverMs, bytesSentPerSite: avg(sent), bytesReceivedPerSite: avg(received), maskedViews };
}
