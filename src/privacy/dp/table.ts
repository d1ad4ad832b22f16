// Datasets for DP analytics: CSV (RFC 4180) or JSONL files read into typed columns by a schema.
// Numeric columns are Float64Arrays with NaN meaning "missing"; a literal NaN or a non-number in the
// file is an error naming the column and row (never the value: it may be personal data).
import { readFileSync, statSync } from "node:fs";
import { CorruptFileError, InvalidArgumentError } from "../../errors/index.ts";
import type { ColumnSpec } from "./budget.ts";

export type Column = { type: "number" | "integer"; values: Float64Array } | { type: "string" | "boolean"; values: (string | null)[] };

export interface Table {
  rowCount: number;
  columns: Map<string, Column>;
}

/** Splits CSV text into rows of fields (quotes, doubled quotes, CRLF or LF). */
export function parseCsv(text: string, file = "csv"): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 34) {
        if (text.charCodeAt(i + 1) === 34) { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      const next = text.indexOf('"', i);
      if (next < 0) throw new CorruptFileError(file, `unterminated quoted field in row ${rows.length + 1}`);
      field += text.slice(i, next);
      i = next;
      continue;
    }
    if (c === 34 && field === "") { quoted = true; i++; continue; }
    if (c === 44) { row.push(field); field = ""; i++; continue; }
    if (c === 10 || c === 13) {
      row.push(field); field = "";
      if (!(row.length === 1 && row[0] === "")) rows.push(row);
      row = [];
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      continue;
    }
    // Fast path: copy up to the next delimiter.
    let j = i;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === 44 || d === 10 || d === 13 || d === 34) break;
      j++;
    }
    field += text.slice(i, j);
    i = j;
  }
  if (field !== "" || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

function numberCell(raw: unknown, spec: ColumnSpec, row: number): number {
  if (raw === null || raw === undefined || raw === "") return NaN; // missing
  const x = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw.trim()) : NaN;
  if (!Number.isFinite(x) || (typeof raw === "string" && raw.trim() === "")) {
    throw new InvalidArgumentError(`column '${spec.name}'`, `row ${row} is not a finite number (NaN and infinities are not allowed)`);
  }
  if (spec.type === "integer" && !Number.isInteger(x)) throw new InvalidArgumentError(`column '${spec.name}'`, `row ${row} is not an integer`);
  return x;
}

function textCell(raw: unknown, spec: ColumnSpec, row: number): string | null {
  if (raw === null || raw === undefined || raw === "") return null;
  if (spec.type === "boolean") {
    const s = String(raw).trim().toLowerCase();
    if (s === "true" || s === "1") return "true";
    if (s === "false" || s === "0") return "false";
    throw new InvalidArgumentError(`column '${spec.name}'`, `row ${row} is not a boolean`);
  }
  return typeof raw === "string" ? raw : typeof raw === "number" || typeof raw === "boolean" ? String(raw) : JSON.stringify(raw);
}

function buildTable(schema: ColumnSpec[], rowCount: number, get: (col: number, row: number) => unknown, colIndex: number[]): Table {
  const columns = new Map<string, Column>();
  schema.forEach((spec, k) => {
    const c = colIndex[k]!;
    if (spec.type === "number" || spec.type === "integer") {
      const values = new Float64Array(rowCount);
      for (let r = 0; r < rowCount; r++) values[r] = numberCell(get(c, r), spec, r + 1);
      columns.set(spec.name, { type: spec.type, values });
    } else {
      const values: (string | null)[] = new Array(rowCount);
      for (let r = 0; r < rowCount; r++) values[r] = textCell(get(c, r), spec, r + 1);
      columns.set(spec.name, { type: spec.type, values });
    }
  });
  return { rowCount, columns };
}

/** Validates a schema: unique names, known types. */
export function checkSchema(schema: ColumnSpec[]): void {
  if (!Array.isArray(schema) || schema.length === 0) throw new InvalidArgumentError("schema", "must list at least one column");
  const seen = new Set<string>();
  for (const c of schema) {
    if (!c || typeof c.name !== "string" || c.name === "") throw new InvalidArgumentError("schema", "every column needs a name");
    if (!["number", "integer", "string", "boolean"].includes(c.type)) throw new InvalidArgumentError(`schema.${c.name}`, "type must be number, integer, string or boolean");
    if (seen.has(c.name)) throw new InvalidArgumentError(`schema.${c.name}`, "column listed twice");
    seen.add(c.name);
  }
}

/** Reads a table from CSV text (header row required; extra file columns are ignored). */
export function tableFromCsv(text: string, schema: ColumnSpec[], file = "csv"): Table {
  const rows = parseCsv(text, file);
  const header = rows[0];
  if (!header) throw new CorruptFileError(file, "is empty; a header row is required");
  const colIndex = schema.map((s) => {
    const i = header.indexOf(s.name);
    if (i < 0) throw new InvalidArgumentError(`schema.${s.name}`, `column is not in the header of ${file}`);
    return i;
  });
  const body = rows.slice(1);
  return buildTable(schema, body.length, (c, r) => body[r]![c], colIndex);
}

/** Reads a table from JSONL text: one JSON object per non-empty line. */
export function tableFromJsonl(text: string, schema: ColumnSpec[], file = "jsonl"): Table {
  const objects: Record<string, unknown>[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (cause) {
      throw new CorruptFileError(file, `line ${i + 1} is not valid JSON`, { cause });
    }
    if (!v || typeof v !== "object" || Array.isArray(v)) throw new CorruptFileError(file, `line ${i + 1} is not a JSON object`);
    objects.push(v as Record<string, unknown>);
  });
  return buildTable(schema, objects.length, (c, r) => objects[r]![schema[c]!.name], schema.map((_, k) => k));
}

const cache = new Map<string, { mtimeMs: number; size: number; table: Table }>();

/** Loads (and caches by path, size and mtime) a dataset file. */
/**
 * Loads (and caches, by path, mtime and size) a dataset file. `readText` opens files that are not
 * plain text on disk, such as datasets sealed at rest.
 */
export function loadTable(path: string, format: "csv" | "jsonl", schema: ColumnSpec[], readText: (path: string) => string = (p) => readFileSync(p, "utf8")): Table {
  let st;
  try {
    st = statSync(path);
  } catch (cause) {
    throw new InvalidArgumentError("dataset.source", `file '${path}' cannot be read`, { cause });
  }
  const key = `${format}:${path}:${JSON.stringify(schema)}`;
  const hit = cache.get(key);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.table;
  const text = readText(path);
  const table = format === "csv" ? tableFromCsv(text, schema, path) : tableFromJsonl(text, schema, path);
  cache.set(key, { mtimeMs: st.mtimeMs, size: st.size, table });
  return table;
}

function typeOf(values: unknown[]): ColumnSpec["type"] {
  const present = values.filter((v) => v !== null && v !== undefined && v !== "");
  if (present.length === 0) return "string";
  const asText = present.map((v) => String(v).trim());
  if (asText.every((s) => /^(true|false)$/i.test(s))) return "boolean";
  if (asText.every((s) => s !== "" && Number.isFinite(Number(s)))) return asText.every((s) => Number.isInteger(Number(s))) ? "integer" : "number";
  return "string";
}

/** Guesses a schema from the first rows of a CSV or JSONL file (integer, number, boolean, else string). */
export function inferSchema(path: string, format: "csv" | "jsonl", sampleRows = 1000): ColumnSpec[] {
  const text = readFileSync(path, "utf8");
  if (format === "csv") {
    const rows = parseCsv(text.slice(0, 1 << 20), path);
    const header = rows[0];
    if (!header) throw new CorruptFileError(path, "is empty; a header row is required");
    const body = rows.slice(1, 1 + sampleRows);
    return header.map((name, i) => ({ name, type: typeOf(body.map((r) => r[i])) }));
  }
  const objects = text.split(/\r?\n/).filter((l) => l.trim() !== "").slice(0, sampleRows).map((l, i) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch (cause) {
      throw new CorruptFileError(path, `line ${i + 1} is not valid JSON`, { cause });
    }
  });
  const names = [...new Set(objects.flatMap((o) => Object.keys(o)))];
  return names.map((name) => ({ name, type: typeOf(objects.map((o) => o[name])) }));
}
