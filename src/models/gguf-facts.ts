// What the registry records about a GGUF file, read from its header.
import { readGguf } from "../engine/gguf/index.ts";
import { CorruptFileError } from "../errors/index.ts";

const FILE_TYPES: Readonly<Record<number, string>> = { 0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 15: "Q4_K_M", 17: "Q5_K_M", 18: "Q6_K", 32: "BF16" };

export interface GgufFacts {
  architecture: string;
  contextLength: number | null;
  quantization: string;
  parameters: number;
}

export async function ggufFacts(path: string): Promise<GgufFacts> {
  const file = await readGguf(path);
  const arch = file.metadata.get("general.architecture")?.value;
  if (typeof arch !== "string") throw new CorruptFileError(path, "no general.architecture in the GGUF metadata");
  const ctx = file.metadata.get(`${arch}.context_length`)?.value;
  const ft = file.metadata.get("general.file_type")?.value;
  // Without general.file_type, the most common tensor type names the quantisation.
  const counts = new Map<string, number>();
  for (const t of file.tensors) counts.set(t.typeName, (counts.get(t.typeName) ?? 0) + 1);
  const common = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "unknown";
  return {
    architecture: arch,
    contextLength: typeof ctx === "number" ? ctx : typeof ctx === "bigint" ? Number(ctx) : null,
    quantization: typeof ft === "number" ? FILE_TYPES[ft] ?? `type ${ft}` : common,
    parameters: file.tensors.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0),
  };
}
