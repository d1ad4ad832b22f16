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
  socket.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    while (buffered >= 4) {
      let buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      chunks = [buf];
      const len = buf.readUInt32BE(0);
      if (len < 2 || len > MAX_FRAME) {
        socket.destroy(new ProtocolAbortError(`peer sent a frame of ${len} bytes`));
        return;
      }
      if (buffered < 4 + len) return;
      const tagLen = buf.readUInt16BE(4);
      if (tagLen > len - 2) {
        socket.destroy(new ProtocolAbortError("peer sent a malformed frame"));
        return;
      }
      const tag = buf.subarray(6, 6 + tagLen).toString("utf8");
      const payload = Uint8Array.from(buf.subarray(6 + tagLen, 4 + len));
      buf = buf.subarray(4 + len);
      chunks = buf.length ? [buf] : [];
      buffered = buf.length;
      onFrame(tag, payload);
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
