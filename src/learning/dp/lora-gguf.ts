// LoRA adapters as files: lora.safetensors beside a DP checkpoint, and a GGUF LoRA adapter that
// llama.cpp applies on the base model (general.type = "adapter", adapter.type = "lora",
// adapter.lora.alpha; tensors "<weight>.lora_a" ggml ne [in, r] and "<weight>.lora_b" ne [r, out],
// scaled by alpha / r, as llama.cpp's llama-adapter.cpp reads them).
import { basename, join } from "node:path";
import { writeGguf, type GgufMetadataValue, type GgufTensorInput } from "../../engine/gguf/index.ts";
import { float32Tensors, type SafeTensor } from "../../engine/safetensors/index.ts";
import { readTensors, writeTensors, type CheckpointSealer } from "../../engine/train/index.ts";
import { CorruptFileError } from "../../errors/index.ts";
import type { LoraAdapters } from "./lora.ts";

export const LORA_FILE = "lora.safetensors";

/**
 * Writes the adapters (f32) with their rank and alpha into `dir`/lora.safetensors; with a sealer
 * (a private run) sealed like the checkpoint's other tensors, since they are trained weights too.
 */
export async function saveLora(dir: string, adapters: LoraAdapters, sealer?: CheckpointSealer): Promise<void> {
  const tensors = new Map<string, SafeTensor>();
  for (const [name, v] of adapters.params) tensors.set(name, { dtype: "F32", shape: v.shape, data: new Float32Array(v.dataSync() as Float32Array) });
  await writeTensors(dir, LORA_FILE, tensors, { format: "llmos-lora", rank: String(adapters.rank), alpha: String(adapters.alpha) }, basename(dir), sealer);
}

export interface LoadedLora {
  rank: number;
  alpha: number;
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

export async function loadLora(dir: string, sealer?: CheckpointSealer): Promise<LoadedLora> {
  const path = join(dir, LORA_FILE);
  const file = await readTensors(dir, LORA_FILE, sealer);
  const rank = Number(file.metadata.rank);
  const alpha = Number(file.metadata.alpha);
  if (file.metadata.format !== "llmos-lora" || !(rank >= 1) || !(alpha > 0)) throw new CorruptFileError(path, "is not an llmos LoRA file (format, rank, alpha)");
  const data = float32Tensors(file, path);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of file.tensors) tensors.set(name, { shape: t.shape, data: data.get(name)! });
  return { rank, alpha, tensors };
}

/** A GGUF LoRA adapter for llama.cpp (f32 tensors; shapes are row-major [r, in] and [out, r]). */
export async function exportLoraGguf(path: string, lora: LoadedLora, name = "llmos-dp-lora"): Promise<void> {
  const str = (value: string): GgufMetadataValue => ({ type: "string", value });
  const metadata: Array<[string, GgufMetadataValue]> = [
    ["general.architecture", str("llama")],
    ["general.type", str("adapter")],
    ["general.name", str(name)],
    ["general.alignment", { type: "uint32", value: 32 }],
    ["adapter.type", str("lora")],
    ["adapter.lora.alpha", { type: "float32", value: lora.alpha }],
  ];
  const tensors: GgufTensorInput[] = [...lora.tensors].map(([n, t]) => ({ name: n, shape: t.shape, type: "f32", data: t.data }));
  await writeGguf(path, metadata, tensors);
}
