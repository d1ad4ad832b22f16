// Human-readable summary of a GGUF file for `llmos info`.
import type { GgufFile, GgufMetadataValue } from "./types.ts";

// llama_ftype names of general.file_type (the common ones; others print as a number).
const FILE_TYPES: Readonly<Record<number, string>> = {
  0: "ALL_F32", 1: "MOSTLY_F16", 2: "MOSTLY_Q4_0", 3: "MOSTLY_Q4_1", 7: "MOSTLY_Q8_0", 8: "MOSTLY_Q5_0", 9: "MOSTLY_Q5_1",
  10: "MOSTLY_Q2_K", 11: "MOSTLY_Q3_K_S", 12: "MOSTLY_Q3_K_M", 13: "MOSTLY_Q3_K_L", 14: "MOSTLY_Q4_K_S", 15: "MOSTLY_Q4_K_M",
  16: "MOSTLY_Q5_K_S", 17: "MOSTLY_Q5_K_M", 18: "MOSTLY_Q6_K", 32: "MOSTLY_BF16",
};

const SHORT_ARRAY = 8;
const LONG_STRING = 100;

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  const [div, suffix] = n >= 1e12 ? [1e12, "T"] : n >= 1e9 ? [1e9, "B"] : n >= 1e6 ? [1e6, "M"] : [1e3, "K"];
  const v = n / div;
  return `${v.toFixed(v < 10 ? 2 : 1)}${suffix}`;
}

function scalarText(v: number | bigint | boolean | string): string {
  if (typeof v !== "string") return String(v);
  const s = JSON.stringify(v); // quotes and escapes newlines (chat templates are multi-line)
  return s.length > LONG_STRING ? `${s.slice(0, LONG_STRING)}…" (${v.length} chars)` : s;
}

function valueText(v: GgufMetadataValue): string {
  if (v.type !== "array") return scalarText(v.value);
  if (v.value.length > SHORT_ARRAY) return `[${v.value.length} items]`;
  return `[${v.value.map(scalarText).join(", ")}]`;
}

/** Multi-line text: version, size, architecture, parameters, per-type tensor counts and every metadata key. */
export function describeGguf(file: GgufFile): string {
  const meta = file.metadata;
  const str = (key: string): string | undefined => {
    const v = meta.get(key)?.value;
    return typeof v === "string" ? v : undefined;
  };
  const params = file.tensors.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
  const byType = new Map<string, number>();
  for (const t of file.tensors) byType.set(t.typeName, (byType.get(t.typeName) ?? 0) + 1);
  const fileType = meta.get("general.file_type")?.value;
  const lines = [
    `file          ${file.path}`,
    `format        GGUF v${file.version}, ${formatBytes(file.fileSize)} (${file.fileSize} bytes), alignment ${file.alignment}`,
    `architecture  ${str("general.architecture") ?? "(not set)"}`,
  ];
  const name = str("general.name");
  if (name !== undefined) lines.push(`name          ${scalarText(name)}`);
  lines.push(`parameters    ${formatCount(params)} (${params})`);
  if (typeof fileType === "number") lines.push(`file type     ${FILE_TYPES[fileType] ?? "unknown"} (${fileType})`);
  const types = [...byType].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${n} ${t}`).join(", ");
  lines.push(`tensors       ${file.tensors.length}${types ? `: ${types}` : ""}`);
  lines.push(`metadata      ${meta.size} key${meta.size === 1 ? "" : "s"}`);
  for (const [key, v] of meta) {
    const type = v.type === "array" ? `${v.itemType}[]` : v.type;
    lines.push(`  ${key} (${type}) = ${valueText(v)}`);
  }
  return lines.join("\n");
}
