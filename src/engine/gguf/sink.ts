// A growable little-endian byte buffer for the GGUF header (metadata and tensor infos).

const encoder = new TextEncoder();

export class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  /** Makes room for n more bytes and returns where they start. Call it before touching buf/view: it may replace them. */
  private reserve(n: number): number {
    const at = this.length;
    if (at + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < at + n) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.length = at + n;
    return at;
  }

  private put(n: number, write: (view: DataView, at: number) => void): void {
    const at = this.reserve(n);
    write(this.view, at);
  }

  u8(v: number): void { this.put(1, (d, at) => d.setUint8(at, v)); }
  i8(v: number): void { this.put(1, (d, at) => d.setInt8(at, v)); }
  u16(v: number): void { this.put(2, (d, at) => d.setUint16(at, v, true)); }
  i16(v: number): void { this.put(2, (d, at) => d.setInt16(at, v, true)); }
  u32(v: number): void { this.put(4, (d, at) => d.setUint32(at, v, true)); }
  i32(v: number): void { this.put(4, (d, at) => d.setInt32(at, v, true)); }
  f32(v: number): void { this.put(4, (d, at) => d.setFloat32(at, v, true)); }
  f64(v: number): void { this.put(8, (d, at) => d.setFloat64(at, v, true)); }
  u64(v: bigint): void { this.put(8, (d, at) => d.setBigUint64(at, v, true)); }
  i64(v: bigint): void { this.put(8, (d, at) => d.setBigInt64(at, v, true)); }

  /** GGUF string: u64 byte length, then UTF-8 bytes without a terminator. */
  string(s: string): void {
    const bytes = encoder.encode(s);
    this.u64(BigInt(bytes.length));
    const at = this.reserve(bytes.length);
    this.buf.set(bytes, at);
  }

  zeros(n: number): void {
    const at = this.reserve(n);
    this.buf.fill(0, at, at + n);
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
