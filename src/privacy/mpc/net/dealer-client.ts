// A party's connection to the dealer process: party 0 fetches its shares per request, the others
// receive a seed once and then need no further traffic (see dealer.ts).
import tls from "node:tls";
import { Preprocessing, requestShape } from "../dealer.ts";
import { ProtocolAbortError } from "../errors.ts";
import { bytesToField, FIELD_BYTES } from "../field.ts";
import { Mailbox } from "../transport.ts";
import { DEALER_NAME, type MpcCredentials } from "./credentials.ts";
import { encodeFrame, jsonPayload, parseJsonPayload } from "./frames.ts";
import { dialPeer, type Endpoint } from "./tls-transport.ts";

export interface DealerConnection {
  preprocessing: Preprocessing;
  close(): void;
}

export async function connectDealer(opts: { id: number; parties: number; dealer: Endpoint; credentials: MpcCredentials; jobHash: string; timeoutMs?: number }): Promise<DealerConnection> {
  const box = new Mailbox();
  let seed: Uint8Array | null = null;
  let closing = false;
  const secure: tls.ConnectionOptions = { ca: opts.credentials.ca, cert: opts.credentials.cert, key: opts.credentials.key, minVersion: "TLSv1.3" };
  // The dealer answers the hello with the seed (parties ≥ 1) or an empty frame (party 0); dialPeer
  // checks only the dealer's certificate name here, so the seed is taken from the first frame.
  const socket = await dialPeer(
    opts.dealer,
    secure,
    { id: opts.id, j: 0, n: opts.parties, jobHash: opts.jobHash, deadline: Date.now() + (opts.timeoutMs ?? 30_000), expectName: DEALER_NAME, dealerHello: (p) => { seed = p; } },
    (tag, payload) => {
      if (tag === "refused") {
        const p = parseJsonPayload(payload) as { problem?: string };
        box.fail(new ProtocolAbortError(`the dealer refused: ${String(p.problem)}`));
      } else box.deliver(0, tag, payload);
    },
  );
  socket.on("close", () => { if (!closing) box.fail(new ProtocolAbortError("connection to the dealer was lost")); });
  if (opts.id !== 0 && (!seed || (seed as Uint8Array).byteLength !== 32)) throw new ProtocolAbortError("the dealer sent no seed");
  const preprocessing = new Preprocessing(
    opts.id,
    opts.id === 0 ? null : seed,
    opts.id === 0
      ? async (counter, req) => {
          socket.write(encodeFrame("pre", jsonPayload({ counter: counter.toString(), req })));
          const buf = await box.take(0, `pre:${counter}`);
          const shape = requestShape(req);
          if (buf.byteLength !== shape.field * FIELD_BYTES + shape.words * 4) throw new ProtocolAbortError("the dealer sent material of the wrong size");
          const off = shape.field * FIELD_BYTES;
          return { field: bytesToField(buf, shape.field), words: new Uint32Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + buf.byteLength)) };
        }
      : null,
  );
  return { preprocessing, close: () => { closing = true; socket.end(); } };
}
