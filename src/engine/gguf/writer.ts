// Writes GGUF v3 files: header built in memory, tensor data encoded and streamed in chunks,
// published atomically (temporary file, fsync, rename) so a crash never leaves a half-written model.
import { randomBytes } from "node:crypto";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { syncDirectory } from "../../store/index.ts";
import { InvalidArgumentError, LlmosError } from "../../errors/index.ts";
import { encodeF16 } from "./f16.ts";
import { checkMetadataValue, writeKeyValue } from "./metadata.ts";
import { quantizeQ8_0, Q8_0_BLOCK } from "./q8_0.ts";
import { ByteSink } from "./sink.ts";
import {
  alignUp, GGML_MAX_DIMS, GGML_MAX_NAME, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, TENSOR_TYPE_CODES, tensorByteLength,
  type GgufMetadataValue, type GgufTensorInput,
} from "./types.ts";

/** Elements encoded per write: bounds the extra memory to a few MB whatever the tensor size. */
const CHUNK_ELEMENTS = 1 << 20;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();

function checkTensor(t: GgufTensorInput, seen: Set<string>): void {
  if (typeof t.name !== "string") throw new InvalidArgumentError("tensor name", "must be a string");
  const field = `tensor '${t.name}'`;
  const nameBytes = utf8.encode(t.name).length;
  if (nameBytes === 0 || nameBytes >= GGML_MAX_NAME) {
    throw new InvalidArgumentError("tensor name", `must be 1–${GGML_MAX_NAME - 1} bytes, got ${nameBytes}`);
  }
  if (seen.has(t.name)) throw new InvalidArgumentError(field, "appears twice");
  seen.add(t.name);
  if (!Object.hasOwn(TENSOR_TYPE_CODES, t.type)) throw new InvalidArgumentError(field, `type must be f32, f16 or q8_0, got ${JSON.stringify(t.type)}`);
  if (!Array.isArray(t.shape) || t.shape.length < 1 || t.shape.length > GGML_MAX_DIMS) {
    throw new InvalidArgumentError(field, `shape must have 1–${GGML_MAX_DIMS} dimensions`);
  }
  if (t.shape.some((d) => !Number.isSafeInteger(d) || d <= 0)) {
    throw new InvalidArgumentError(field, `shape [${t.shape.join(", ")}] must hold positive integers`);
  }
  if (!(t.data instanceof Float32Array)) throw new InvalidArgumentError(field, "data must be a Float32Array");
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (count !== t.data.length) {
    throw new InvalidArgumentError(field, `shape [${t.shape.join(", ")}] holds ${count} values but data has ${t.data.length}`);
  }
  const rowLength = t.shape[t.shape.length - 1]!;
  if (t.type === "q8_0" && rowLength % Q8_0_BLOCK !== 0) {
    throw new InvalidArgumentError(field, `q8_0 needs a row length (last dimension) that is a multiple of ${Q8_0_BLOCK}, got ${rowLength}`);
  }
}

function alignmentOf(metadata: Array<[string, GgufMetadataValue]>): number {
  const entry = metadata.find(([k]) => k === "general.alignment");
  if (!entry) return GGUF_DEFAULT_ALIGNMENT;
  const v = entry[1];
  if (v.type !== "uint32" || typeof v.value !== "number" || v.value === 0 || (v.value & (v.value - 1)) !== 0) {
    throw new InvalidArgumentError("metadata 'general.alignment'", "must be a uint32 power of two");
  }
  return v.value;
}

/** Header bytes: magic, version, counts, key-values, tensor infos, padded to the alignment. */
function encodeHeader(metadata: Array<[string, GgufMetadataValue]>, tensors: GgufTensorInput[], offsets: number[], alignment: number): Uint8Array {
  const sink = new ByteSink();
  sink.u32(GGUF_MAGIC);
  sink.u32(GGUF_VERSION);
  sink.u64(BigInt(tensors.length));
  sink.u64(BigInt(metadata.length));
  for (const [key, value] of metadata) writeKeyValue(sink, key, value);
  tensors.forEach((t, i) => {
    sink.string(t.name);
    sink.u32(t.shape.length);
    // ggml's ne[] lists the innermost (contiguous) dimension first: the reverse of a row-major shape.
    for (let d = t.shape.length - 1; d >= 0; d--) sink.u64(BigInt(t.shape[d]!));
    sink.u32(TENSOR_TYPE_CODES[t.type]);
    sink.u64(BigInt(offsets[i]!));
  });
  sink.zeros(alignUp(sink.length, alignment) - sink.length);
  return sink.bytes();
}

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done);
    done += bytesWritten;
  }
}

async function writeTensorData(fh: FileHandle, t: GgufTensorInput): Promise<void> {
  const { data, type } = t;
  if (type === "f32" && LITTLE_ENDIAN_HOST) {
    await writeAll(fh, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return;
  }
  const chunk = new Uint8Array(tensorByteLength(type, Math.min(CHUNK_ELEMENTS, data.length)));
  const view = new DataView(chunk.buffer);
  for (let start = 0; start < data.length; start += CHUNK_ELEMENTS) {
    const count = Math.min(CHUNK_ELEMENTS, data.length - start); // a multiple of 32 unless it is the tail of an f32/f16 tensor
    if (type === "q8_0") quantizeQ8_0(data, start, count / Q8_0_BLOCK, chunk, 0);
    else if (type === "f16") encodeF16(data, start, count, chunk, 0);
    else for (let i = 0; i < count; i++) view.setFloat32(4 * i, data[start + i]!, true);
    await writeAll(fh, chunk.subarray(0, tensorByteLength(type, count)));
  }
}

function writeError(path: string, cause: unknown): LlmosError {
  if (cause instanceof LlmosError) return cause;
  const code = (cause as NodeJS.ErrnoException).code ?? "I/O error";
  const why = code === "ENOENT" ? "its directory does not exist" : code === "ENOSPC" ? "the disk is full" : code === "EACCES" ? "permission denied" : code;
  return new InvalidArgumentError(path, `cannot write the GGUF file (${why})`, { cause });
}

/** Writes atomically (tmp file + fsync + rename); streams tensor data (no giant single buffer). */
export async function writeGguf(path: string, metadata: Array<[string, GgufMetadataValue]>, tensors: GgufTensorInput[]): Promise<void> {
  const keys = new Set<string>();
  for (const [key, value] of metadata) {
    if (typeof key !== "string" || !/^[\x21-\x7e]{1,65535}$/.test(key)) {
      throw new InvalidArgumentError("metadata key", "must be 1–65535 printable ASCII characters without spaces");
    }
    if (keys.has(key)) throw new InvalidArgumentError(`metadata '${key}'`, "appears twice");
    keys.add(key);
    checkMetadataValue(key, value);
  }
  const alignment = alignmentOf(metadata);
  const seen = new Set<string>();
  for (const t of tensors) checkTensor(t, seen);

  // Offsets are relative to the data section; each tensor starts on an alignment boundary.
  const offsets: number[] = [];
  let end = 0;
  for (const t of tensors) {
    offsets.push(end);
    end = alignUp(end + tensorByteLength(t.type, t.data.length), alignment);
  }
  const header = encodeHeader(metadata, tensors, offsets, alignment);

  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, "wx");
    await writeAll(fh, header);
    for (const t of tensors) {
      await writeTensorData(fh, t);
      const size = tensorByteLength(t.type, t.data.length);
      const pad = alignUp(size, alignment) - size;
      if (pad > 0) await writeAll(fh, new Uint8Array(pad));
    }
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (cause) {
    await fh?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw writeError(path, cause);
  }
  await syncDirectory(dirname(path));
}
