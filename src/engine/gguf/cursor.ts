// Sequential little-endian reads from a file handle through a small window, so that parsing the
// header of a many-gigabyte GGUF reads only the header. Every read past the end is a CorruptFileError.
import type { FileHandle } from "node:fs/promises";
import { CorruptFileError } from "../../errors/index.ts";

const WINDOW = 1 << 20;

export class FileCursor {
  /** Absolute position of the next byte to read. */
  pos = 0;
  /** What is being read, for error messages ("metadata entry 3", "tensor info 7"). */
  context = "the header";
  private buf: Buffer = Buffer.alloc(0);
  private bufStart = 0;

  constructor(private readonly fh: FileHandle, readonly path: string, readonly size: number) {}

  get remaining(): number {
    return this.size - this.pos;
  }

  corrupt(problem: string): CorruptFileError {
    return new CorruptFileError(this.path, problem, { data: { offset: this.pos } });
  }

  /** Makes bytes [pos, pos + n) available in the window and returns their index in it. */
  async need(n: number): Promise<number> {
    if (n > this.remaining) {
      throw this.corrupt(`truncated: the file ends at byte ${this.size} while reading ${this.context} (needs ${n} bytes at byte ${this.pos})`);
    }
    const rel = this.pos - this.bufStart;
    if (rel >= 0 && rel + n <= this.buf.length) return rel;
    const len = Math.min(Math.max(n, WINDOW), this.remaining);
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.fh.read(buf, got, len - got, this.pos + got);
      if (bytesRead === 0) throw this.corrupt(`truncated while reading ${this.context} (the file shrank)`);
      got += bytesRead;
    }
    this.buf = buf;
    this.bufStart = this.pos;
    return 0;
  }

  /** n raw bytes (a view into the window; copy if kept past the next read). */
  async bytes(n: number): Promise<Buffer> {
    const at = await this.need(n);
    this.pos += n;
    return this.buf.subarray(at, at + n);
  }

  async u8(): Promise<number> { const at = await this.need(1); this.pos += 1; return this.buf.readUInt8(at); }
  async i8(): Promise<number> { const at = await this.need(1); this.pos += 1; return this.buf.readInt8(at); }
  async u16(): Promise<number> { const at = await this.need(2); this.pos += 2; return this.buf.readUInt16LE(at); }
  async i16(): Promise<number> { const at = await this.need(2); this.pos += 2; return this.buf.readInt16LE(at); }
  async u32(): Promise<number> { const at = await this.need(4); this.pos += 4; return this.buf.readUInt32LE(at); }
  async i32(): Promise<number> { const at = await this.need(4); this.pos += 4; return this.buf.readInt32LE(at); }
  async f32(): Promise<number> { const at = await this.need(4); this.pos += 4; return this.buf.readFloatLE(at); }
  async f64(): Promise<number> { const at = await this.need(8); this.pos += 8; return this.buf.readDoubleLE(at); }
  async u64(): Promise<bigint> { const at = await this.need(8); this.pos += 8; return this.buf.readBigUInt64LE(at); }
  async i64(): Promise<bigint> { const at = await this.need(8); this.pos += 8; return this.buf.readBigInt64LE(at); }

  /** A u64 that must be a count or size this process can index: past 2^53 it can only be corruption. */
  async count(what: string): Promise<number> {
    const v = await this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.corrupt(`${what} ${v} in ${this.context} is impossible`);
    return Number(v);
  }

  /** A string read without awaiting when it lies wholly in the window (the common case), else undefined. */
  stringInWindow(): string | undefined {
    const rel = this.pos - this.bufStart;
    if (rel < 0 || rel + 8 > this.buf.length) return undefined;
    const len = this.buf.readBigUInt64LE(rel);
    if (len > BigInt(this.buf.length - rel - 8)) return undefined;
    const start = rel + 8;
    const end = start + Number(len);
    this.pos += 8 + Number(len);
    return this.buf.toString("utf8", start, end);
  }

  /** The window itself, for bulk decoding right after need(). */
  get window(): Buffer {
    return this.buf;
  }

  /** GGUF string: u64 byte length then UTF-8 bytes. The length is checked against the file before reading. */
  async string(maxBytes: number): Promise<string> {
    const start = this.pos;
    const len = await this.u64();
    if (len > BigInt(this.remaining)) {
      throw this.corrupt(`string length ${len} at byte ${start} (in ${this.context}) runs past the end of the file`);
    }
    if (len > BigInt(maxBytes)) throw this.corrupt(`string length ${len} at byte ${start} (in ${this.context}) is over the limit of ${maxBytes}`);
    const n = Number(len);
    const at = await this.need(n);
    this.pos += n;
    return this.buf.toString("utf8", at, at + n);
  }
}
