// Wire format between parties and the dealer: [u32 length][u16 tag length][tag UTF-8][payload],
// big-endian lengths; length counts everything after itself. Frames above MAX_FRAME abort the peer.
import type { Socket } from "node:net";
import { ProtocolAbortError } from "../errors.ts";

export const MAX_FRAME = 1 << 30;

export function encodeFrame(tag: string, payload: Uint8Array): Buffer {
  const t = Buffer.from(tag, "utf8");
  const head = Buffer.alloc(6);
  head.writeUInt32BE(2 + t.length + payload.byteLength, 0);
  head.writeUInt16BE(t.length, 4);
  return Buffer.concat([head, t, payload]);
}

/** Calls onFrame for every complete frame on the socket; a malformed stream destroys the socket. */
export function readFrames(socket: Socket, onFrame: (tag: string, payload: Uint8Array) => void): void {
  let chunks: Buffer[] = [];
  let buffered = 0;
  // Length of the frame being received (including its 4-byte prefix), once its prefix has arrived.
  // Chunks are only joined when a whole frame is there, so a large frame costs one copy, not one per chunk.
  let need = -1;
  socket.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    for (;;) {
      if (need < 0) {
        if (buffered < 4) return;
        if (chunks[0]!.length < 4) chunks = [Buffer.concat(chunks)];
        const len = chunks[0]!.readUInt32BE(0);
        if (len < 2 || len > MAX_FRAME) {
          socket.destroy(new ProtocolAbortError(`peer sent a frame of ${len} bytes`));
          return;
        }
        need = 4 + len;
      }
      if (buffered < need) return;
      const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const frame = buf.subarray(0, need);
      const rest = buf.subarray(need);
      chunks = rest.length ? [rest] : [];
      buffered = rest.length;
      need = -1;
      const tagLen = frame.readUInt16BE(4);
      if (6 + tagLen > frame.length) {
        socket.destroy(new ProtocolAbortError("peer sent a malformed frame"));
        return;
      }
      onFrame(frame.subarray(6, 6 + tagLen).toString("utf8"), Uint8Array.from(frame.subarray(6 + tagLen)));
    }
  });
}

export function jsonPayload(v: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(v), "utf8");
}

export function parseJsonPayload(p: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(p).toString("utf8"));
  } catch {
    throw new ProtocolAbortError("peer sent a malformed control message");
  }
}
