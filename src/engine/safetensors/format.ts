// Encoding and decoding of the safetensors format: an 8-byte little-endian header length, a JSON
// header naming each tensor's dtype, shape and byte range, then the raw little-endian tensor bytes.
import { endianness } from "node:os";
import { CorruptFileError, InvalidArgumentError } from "../../errors/index.ts";

export type SafeTensor =
  | { dtype: "F32"; shape: number[]; data: Float32Array }
  | { dtype: "I32"; shape: number[]; data: Int32Array };

export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

const ELEMENT_BYTES = { F32: 4, I32: 4 } as const;
// The reference implementation refuses headers above 100 MB; a longer one means a corrupt length.
const MAX_HEADER_BYTES = 100_000_000;

if (endianness() !== "LE") throw new Error("safetensors: only little-endian hosts are supported");

function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Serialises tensors (in map order) and string metadata into one safetensors byte buffer. */
export function encodeSafetensors(tensors: Map<string, SafeTensor>, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const parts: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === "" || name === "__metadata__") throw new InvalidArgumentError("tensor name", `'${name}' is reserved or empty`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new InvalidArgumentError(`tensor ${name}`, "shape must hold non-negative integers");
    }
    if (elementCount(t.shape) !== t.data.length) {
      throw new InvalidArgumentError(`tensor ${name}`, `holds ${t.data.length} values but its shape [${t.shape.join(", ")}] needs ${elementCount(t.shape)}`);
    }
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  // Pad with spaces (allowed by the format) so the data starts 8-byte aligned, as the reference writer does.
  const jsonBytes = Buffer.byteLength(json, "utf8");
  json += " ".repeat((8 - (jsonBytes % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));
  return Buffer.concat([prefix, headerBytes, ...parts]);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses and validates a safetensors buffer; every defect is a CorruptFileError naming `file`. */
export function decodeSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const fail = (problem: string): never => {
    throw new CorruptFileError(file, problem);
  };
  if (bytes.length < 8) fail(`too short for a safetensors file (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(bytes.length - 8)) fail(`header length ${headerLen} runs past the end of the file (${bytes.length} bytes); the file is truncated or not safetensors`);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLen} is over the ${MAX_HEADER_BYTES}-byte limit`);
  const hl = Number(headerLen);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + hl)));
  } catch {
    fail("header is not valid UTF-8 JSON");
  }
  if (!isObject(header)) return fail("header is not a JSON object");

  const dataStart = 8 + hl;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const ranges: { name: string; begin: number; end: number }[] = [];
  const entries: { name: string; dtype: "F32" | "I32"; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (!isObject(entry)) fail("__metadata__ is not an object");
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    if (!isObject(entry)) return fail(`tensor '${name}' has no descriptor object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (dtype !== "F32" && dtype !== "I32") return fail(`tensor '${name}' has dtype ${JSON.stringify(dtype)}; only F32 and I32 are supported`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return fail(`tensor '${name}' has a bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      return fail(`tensor '${name}' has bad data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLen) fail(`tensor '${name}' data_offsets [${begin}, ${end}] lie outside the ${dataLen}-byte data section; the file is truncated or corrupt`);
    const expected = elementCount(shape as number[]) * ELEMENT_BYTES[dtype];
    if (end - begin !== expected) fail(`tensor '${name}' spans ${end - begin} bytes but shape [${(shape as number[]).join(", ")}] of ${dtype} needs ${expected}`);
    ranges.push({ name, begin, end });
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  // The format requires tensors to tile the data section exactly: no overlaps and no holes.
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const r of ranges) {
    if (r.begin < cursor) fail(`tensor '${r.name}' overlaps another tensor`);
    if (r.begin > cursor) fail(`the data section has a gap before tensor '${r.name}'`);
    cursor = r.end;
  }
  if (cursor !== dataLen) fail(`the data section holds ${dataLen - cursor} bytes that no tensor uses`);

  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    // Copy into a fresh, aligned buffer: Node's file buffers need not be 4-byte aligned.
    const slice = new Uint8Array(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (e.dtype === "F32") tensors.set(e.name, { dtype: "F32", shape: e.shape, data: new Float32Array(slice.buffer, slice.byteOffset, slice.byteLength / 4) });
    else tensors.set(e.name, { dtype: "I32", shape: e.shape, data: new Int32Array(slice.buffer, slice.byteOffset, slice.byteLength / 4) });
  }
  return { tensors, metadata };
}
