// Reads any GGUF v2/v3 file: header, metadata and tensor infos incrementally, then single
// tensors on demand. Everything a corrupt file could lie about is checked against the file size.
import { open, type FileHandle } from "node:fs/promises";
import { CorruptFileError, InvalidArgumentError, NotFoundError } from "../../errors/index.ts";
import { FileCursor } from "./cursor.ts";
import { decodeF16 } from "./f16.ts";
import { dequantizeQ8_0 } from "./q8_0.ts";
import {
  alignUp, ggmlTypeName, ggmlTypeTraits, GGML_MAX_DIMS, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, SCALAR_SIZES, VALUE_TYPE_NAMES,
  type GgufFile, type GgufMetadataValue, type GgufScalarType, type GgufTensorInfo,
} from "./types.ts";

/** Limits past which a header can only be corrupt (or hostile): nothing real comes near them. */
const MAX_STRING_BYTES = 256 << 20;
const MAX_ARRAY_ITEMS = 1 << 24;
/** Smallest encodings: a key-value pair (empty key, u32 type, one byte) and a 1-D tensor info (empty name). */
const MIN_KV_BYTES = 8 + 4 + 1;
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The shortest decimal that is the same float32, so 1e-5 written as float32 reads back as 1e-5, not 9.99999974737875e-6. */
function shortestFloat32(x: number): number {
  if (!Number.isFinite(x)) return x;
  for (let p = 1; p <= 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

function valueType(c: FileCursor, code: number, allowArray: boolean): GgufScalarType | "array" {
  const name = VALUE_TYPE_NAMES[code];
  if (name === undefined || (name === "array" && !allowArray)) {
    throw c.corrupt(`unknown value type ${code} in ${c.context}${name === "array" ? " (arrays of arrays are not supported)" : ""}`);
  }
  return name;
}

async function readScalar(c: FileCursor, type: GgufScalarType): Promise<number | bigint | boolean | string> {
  switch (type) {
    case "uint8": return c.u8();
    case "int8": return c.i8();
    case "uint16": return c.u16();
    case "int16": return c.i16();
    case "uint32": return c.u32();
    case "int32": return c.i32();
    case "float32": return c.f32();
    case "float64": return c.f64();
    case "uint64": return c.u64();
    case "int64": return c.i64();
    case "string": return c.string(MAX_STRING_BYTES);
    case "bool": {
      const b = await c.u8();
      if (b > 1) throw c.corrupt(`bool value ${b} in ${c.context} is neither 0 nor 1`);
      return b === 1;
    }
  }
}

const FIXED_READERS: Record<Exclude<GgufScalarType, "string" | "bool">, (b: Buffer, at: number) => number | bigint> = {
  uint8: (b, at) => b.readUInt8(at), int8: (b, at) => b.readInt8(at),
  uint16: (b, at) => b.readUInt16LE(at), int16: (b, at) => b.readInt16LE(at),
  uint32: (b, at) => b.readUInt32LE(at), int32: (b, at) => b.readInt32LE(at),
  float32: (b, at) => b.readFloatLE(at), float64: (b, at) => b.readDoubleLE(at),
  uint64: (b, at) => b.readBigUInt64LE(at), int64: (b, at) => b.readBigInt64LE(at),
};

async function readArray(c: FileCursor): Promise<GgufMetadataValue> {
  const itemType = valueType(c, await c.u32(), false) as GgufScalarType;
  const n = await c.count("array length");
  const itemSize = itemType === "string" ? 8 : SCALAR_SIZES[itemType];
  if (n * itemSize > c.remaining) throw c.corrupt(`array of ${n} ${itemType} items in ${c.context} runs past the end of the file`);
  if (n > MAX_ARRAY_ITEMS) throw c.corrupt(`array of ${n} items in ${c.context} is over the limit of ${MAX_ARRAY_ITEMS}`);
  const value: Array<number | bigint | boolean | string> = new Array(n);
  if (itemType === "string") {
    // Vocabularies hold 100k+ strings: take them straight from the window, awaiting only to refill it.
    for (let i = 0; i < n; i++) value[i] = c.stringInWindow() ?? (await c.string(MAX_STRING_BYTES));
  } else if (itemType === "bool") {
    for (let i = 0; i < n; i++) value[i] = (await readScalar(c, "bool")) as boolean;
  } else {
    // Fixed-size items are decoded in bulk, a window at a time.
    const read = FIXED_READERS[itemType];
    const perWindow = Math.max(1, Math.floor((1 << 20) / itemSize));
    for (let i = 0; i < n; i += perWindow) {
      const m = Math.min(perWindow, n - i);
      const at = await c.need(m * itemSize);
      const buf = c.window;
      for (let j = 0; j < m; j++) value[i + j] = read(buf, at + j * itemSize);
      c.pos += m * itemSize;
    }
  }
  return { type: "array", itemType, value };
}

async function readMetadata(c: FileCursor, count: number): Promise<Map<string, GgufMetadataValue>> {
  const metadata = new Map<string, GgufMetadataValue>();
  for (let i = 0; i < count; i++) {
    c.context = `metadata entry ${i}`;
    const key = await c.string(65535);
    c.context = `metadata entry ${i} ('${key.slice(0, 100)}')`;
    if (metadata.has(key)) throw c.corrupt(`duplicate metadata key in ${c.context}`);
    const type = valueType(c, await c.u32(), true);
    if (type === "array") {
      metadata.set(key, await readArray(c));
    } else {
      const value = await readScalar(c, type);
      metadata.set(key, { type, value: type === "float32" ? shortestFloat32(value as number) : value });
    }
  }
  return metadata;
}

interface RawTensorInfo { name: string; shape: number[]; ggmlType: number; relOffset: bigint; count: number }

async function readTensorInfo(c: FileCursor, i: number, names: Set<string>): Promise<RawTensorInfo> {
  c.context = `tensor info ${i}`;
  const name = await c.string(65535);
  c.context = `tensor info ${i} ('${name.slice(0, 100)}')`;
  if (names.has(name)) throw c.corrupt(`duplicate tensor name in ${c.context}`);
  names.add(name);
  const nDims = await c.u32();
  if (nDims < 1 || nDims > GGML_MAX_DIMS) throw c.corrupt(`${c.context} has ${nDims} dimensions (ggml allows 1–${GGML_MAX_DIMS})`);
  const ne: number[] = [];
  let count = 1;
  for (let d = 0; d < nDims; d++) {
    const n = await c.count("dimension");
    count *= n;
    if (count > Number.MAX_SAFE_INTEGER) throw c.corrupt(`${c.context} has an absurd element count`);
    ne.push(n);
  }
  const ggmlType = await c.u32();
  const relOffset = await c.u64();
  const traits = ggmlTypeTraits(ggmlType);
  if (traits && ne[0]! % traits.blockSize !== 0) {
    throw c.corrupt(`${c.context}: row length ${ne[0]} is not a multiple of the ${traits.name} block size ${traits.blockSize}`);
  }
  return { name, shape: ne.reverse(), ggmlType, relOffset, count };
}

async function parse(c: FileCursor): Promise<Omit<GgufFile, "path" | "fileSize">> {
  if (c.size < 4) throw c.corrupt(c.size === 0 ? "file is empty, not a GGUF file" : "not a GGUF file (too short for the magic number)");
  const magic = await c.u32();
  if (magic !== GGUF_MAGIC) throw c.corrupt("not a GGUF file (bad magic number, expected 'GGUF')");
  const version = await c.u32();
  if (version !== 2 && version !== 3) {
    // A big-endian GGUF (written for s390x) reads as a byte-swapped version number.
    if (version === 0x02000000 || version === 0x03000000) throw c.corrupt("big-endian GGUF files are not supported");
    throw c.corrupt(`unsupported GGUF version ${version} (this reader handles versions 2 and 3)`);
  }
  const tensorCount = await c.count("tensor count");
  const kvCount = await c.count("metadata count");
  if (kvCount * MIN_KV_BYTES > c.remaining) throw c.corrupt(`absurd metadata count ${kvCount} for a file of ${c.size} bytes`);
  if (tensorCount * MIN_TENSOR_INFO_BYTES > c.remaining) throw c.corrupt(`absurd tensor count ${tensorCount} for a file of ${c.size} bytes`);

  const metadata = await readMetadata(c, kvCount);
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const al = metadata.get("general.alignment");
  if (al) {
    if (al.type !== "uint32" || typeof al.value !== "number" || al.value === 0 || (al.value & (al.value - 1)) !== 0) {
      throw c.corrupt("general.alignment must be a uint32 power of two");
    }
    alignment = al.value;
  }

  const names = new Set<string>();
  const raw: RawTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) raw.push(await readTensorInfo(c, i, names));
  const dataOffset = alignUp(c.pos, alignment);
  if (tensorCount > 0 && dataOffset > c.size) throw c.corrupt("truncated: the file ends before its tensor data section");

  const tensors: GgufTensorInfo[] = raw.map((t) => {
    if (t.relOffset % BigInt(alignment) !== 0n) {
      throw c.corrupt(`tensor '${t.name.slice(0, 100)}' has offset ${t.relOffset}, not a multiple of the alignment ${alignment}`);
    }
    const traits = ggmlTypeTraits(t.ggmlType);
    const offset = BigInt(dataOffset) + t.relOffset;
    return {
      name: t.name, shape: t.shape, ggmlType: t.ggmlType, typeName: ggmlTypeName(t.ggmlType), offset,
      byteLength: traits ? (t.count / traits.blockSize) * traits.typeSize : -1,
    };
  });
  inferUnknownLengths(tensors, c.size);
  for (const t of tensors) {
    if (t.offset + BigInt(t.byteLength) > BigInt(c.size)) {
      throw c.corrupt(`tensor '${t.name.slice(0, 100)}' data (${t.byteLength} bytes at byte ${t.offset}) runs past the end of the file (${c.size} bytes)`);
    }
  }
  return { version, metadata, tensors, alignment, dataOffset: BigInt(dataOffset) };
}

/** A type this reader does not know gets the bytes up to the next tensor (or the end of the file). */
function inferUnknownLengths(tensors: GgufTensorInfo[], fileSize: number): void {
  const starts = [...new Set(tensors.map((t) => t.offset))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const t of tensors) {
    if (t.byteLength >= 0) continue;
    const next = starts.find((s) => s > t.offset) ?? BigInt(fileSize);
    t.byteLength = Number((next > t.offset ? next : t.offset) - t.offset);
  }
}

async function openForRead(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file is missing" : code === "EISDIR" ? "is a directory, not a GGUF file" : `cannot be read (${code ?? "I/O error"})`;
    throw new CorruptFileError(path, why, { cause });
  }
}

/** Parses header, metadata and tensor infos of any GGUF v2/v3 file without reading its tensor data. */
export async function readGguf(path: string): Promise<GgufFile> {
  const fh = await openForRead(path);
  try {
    const { size } = await fh.stat();
    if (!Number.isSafeInteger(size)) throw new CorruptFileError(path, "file size is not readable");
    const parsed = await parse(new FileCursor(fh, path, size));
    return { path, fileSize: size, ...parsed };
  } catch (cause) {
    if (cause instanceof CorruptFileError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "EISDIR") throw new CorruptFileError(path, "is a directory, not a GGUF file", { cause });
    throw new CorruptFileError(path, `cannot be read (${code ?? (cause as Error).message})`, { cause });
  } finally {
    await fh.close();
  }
}

/** Reads `length` bytes at `position` into `out`, in pieces (a single read is limited to 2 GB). */
async function readExactly(fh: FileHandle, out: Uint8Array, position: number, path: string, name: string): Promise<void> {
  const piece = 1 << 26;
  let got = 0;
  while (got < out.length) {
    const { bytesRead } = await fh.read(out, got, Math.min(piece, out.length - got), position + got);
    if (bytesRead === 0) throw new CorruptFileError(path, `truncated: tensor '${name}' data ends early (the file changed since it was opened?)`);
    got += bytesRead;
  }
}

const DECODABLE = new Set([0, 1, 8, 30]);

/** Reads one tensor as float32 (F32, F16, BF16 and Q8_0; other types give a clear error). */
export async function readTensorF32(file: GgufFile, name: string): Promise<Float32Array> {
  const t = file.tensors.find((x) => x.name === name);
  if (!t) throw new NotFoundError("tensor", name, `not in ${file.path}`);
  if (!DECODABLE.has(t.ggmlType)) {
    throw new InvalidArgumentError(`tensor '${name}'`, `type ${t.typeName} cannot be read as float32 here (supported: F32, F16, BF16, Q8_0)`);
  }
  const count = t.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(count);
  const fh = await openForRead(file.path);
  try {
    const position = Number(t.offset);
    if (t.ggmlType === 0 && LITTLE_ENDIAN_HOST) {
      await readExactly(fh, new Uint8Array(out.buffer), position, file.path, name);
      return out;
    }
    const bytes = new Uint8Array(t.byteLength);
    await readExactly(fh, bytes, position, file.path, name);
    if (t.ggmlType === 0) {
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
    } else if (t.ggmlType === 1) {
      decodeF16(bytes, out);
    } else if (t.ggmlType === 30) {
      // bfloat16 is the top half of a float32.
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u[i] = ((bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) << 16) >>> 0;
    } else {
      dequantizeQ8_0(bytes, out);
    }
    return out;
  } finally {
    await fh.close();
  }
}
