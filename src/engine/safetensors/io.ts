// Reading and writing safetensors files; writes are flushed to disk (fsync) before they resolve.
import { readFile } from "node:fs/promises";
import { writeFileSynced } from "../../store/index.ts";
import { CorruptFileError } from "../../errors/index.ts";
import { decodeSafetensors, encodeSafetensors, type SafeTensor, type SafetensorsFile } from "./format.ts";

export async function writeSafetensors(path: string, tensors: Map<string, SafeTensor>, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileSynced(path, encodeSafetensors(tensors, metadata));
}

export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CorruptFileError(path, code === "ENOENT" ? "file is missing" : `cannot be read (${code ?? "I/O error"})`, { cause });
  }
  return decodeSafetensors(bytes, path);
}

/** The F32 tensors of a file as plain arrays, checked against the expected names and shapes when given. */
export function float32Tensors(file: SafetensorsFile, path: string, expected?: Map<string, number[]>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of file.tensors) {
    if (t.dtype !== "F32") throw new CorruptFileError(path, `tensor '${name}' is ${t.dtype}, expected F32`);
    out.set(name, t.data);
  }
  if (expected) {
    for (const [name, shape] of expected) {
      const t = file.tensors.get(name);
      if (!t) throw new CorruptFileError(path, `tensor '${name}' is missing`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new CorruptFileError(path, `tensor '${name}' has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}]`);
      }
    }
    for (const name of file.tensors.keys()) {
      if (!expected.has(name)) throw new CorruptFileError(path, `unexpected tensor '${name}'`);
    }
  }
  return out;
}
