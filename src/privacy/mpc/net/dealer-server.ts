// The dealer process: serves preprocessing (dealer.ts) to the parties of any number of jobs over
// mutual TLS. Per job hash it keeps one DealerCore; parties 1..n-1 receive their PRG seed once, party 0
// asks for each request in program order and receives its shares. State is dropped when the job's
// parties have all disconnected, so a rerun of the same job gets fresh seeds.
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { z } from "zod";
import { isLlmosError } from "../../../errors/index.ts";
import { DealerCore, type PreprocessingRequest } from "../dealer.ts";
import { fieldToBytes } from "../field.ts";
import { partyName, type MpcCredentials } from "./credentials.ts";
import { encodeFrame, jsonPayload, parseJsonPayload, readFrames } from "./frames.ts";
import { peerName } from "./tls-transport.ts";

const HelloSchema = z.object({ party: z.number().int().min(0).max(15), jobHash: z.string().regex(/^[0-9a-f]{64}$/), parties: z.number().int().min(2).max(16) });
const count = z.number().int().min(0).max(10_000_000);
const RequestSchema = z.object({
  counter: z.string().regex(/^\d{1,18}$/),
  req: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("triple"), n: count }),
    z.object({ kind: z.literal("matrix"), m: count, k: count, p: count }),
    z.object({ kind: z.literal("trunc"), n: count, m: z.number().int().min(1).max(120), bits: z.number().int().min(2).max(126) }),
    z.object({ kind: z.literal("btriple"), words: count }),
    z.object({ kind: z.literal("cmpmask"), n: count, m: z.number().int().min(1).max(120), bits: z.number().int().min(2).max(126) }),
  ]),
});

interface JobState { core: DealerCore; connected: Set<number> }

export interface DealerServer {
  address(): AddressInfo;
  close(): Promise<void>;
}

export async function startDealer(opts: { host: string; port: number; credentials: MpcCredentials; log?: (line: string) => void }): Promise<DealerServer> {
  const jobs = new Map<string, JobState>();
  const log = opts.log ?? (() => {});
  const server = tls.createServer({ ca: opts.credentials.ca, cert: opts.credentials.cert, key: opts.credentials.key, requestCert: true, rejectUnauthorized: true, minVersion: "TLSv1.3" }, (socket) => {
    let joined: { hash: string; party: number } | null = null;
    const refuse = (problem: string) => {
      socket.write(encodeFrame("refused", jsonPayload({ problem })));
      socket.end();
    };
    readFrames(socket, (tag, payload) => {
      if (!joined) {
        const h = HelloSchema.safeParse(tag === "hello" ? parseJsonPayload(payload) : null);
        if (!h.success) return refuse("expected a hello with party, jobHash and parties");
        const { party, jobHash, parties } = h.data;
        if (party >= parties || peerName(socket) !== partyName(party)) return refuse("certificate name does not match the party id");
        let state = jobs.get(jobHash);
        if (!state) {
          state = { core: new DealerCore(parties), connected: new Set() };
          jobs.set(jobHash, state);
        }
        if (state.core.parties !== parties) return refuse(`job runs with ${state.core.parties} parties`);
        if (state.connected.has(party)) return refuse(`party ${party} is already connected for this job`);
        state.connected.add(party);
        joined = { hash: jobHash, party };
        log(`job ${jobHash.slice(0, 12)}: party ${party} joined`);
        // Party 0 gets no seed: it asks for its shares. The others get theirs once.
        socket.write(encodeFrame("hello", party === 0 ? new Uint8Array(0) : state.core.seeds[party - 1]!));
        return;
      }
      if (joined.party !== 0 || tag !== "pre") return refuse("only party 0 requests preprocessing");
      const r = RequestSchema.safeParse(parseJsonPayload(payload));
      if (!r.success) return refuse("malformed preprocessing request");
      const state = jobs.get(joined.hash)!;
      try {
        const shares = state.core.shareForParty0(BigInt(r.data.counter), r.data.req as PreprocessingRequest);
        // Response: the field elements (16 bytes each) then the words (4 bytes each, little-endian).
        const words = new Uint8Array(shares.words.buffer, shares.words.byteOffset, shares.words.byteLength);
        socket.write(encodeFrame(`pre:${r.data.counter}`, Buffer.concat([fieldToBytes(shares.field), words])));
      } catch (e) {
        refuse(isLlmosError(e) ? e.message : "preprocessing failed");
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      if (!joined) return;
      const state = jobs.get(joined.hash);
      if (!state) return;
      state.connected.delete(joined.party);
      if (state.connected.size === 0) {
        jobs.delete(joined.hash);
        log(`job ${joined.hash.slice(0, 12)}: done`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    address: () => server.address() as AddressInfo,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
