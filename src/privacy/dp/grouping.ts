// Contribution bounding and group keys for DP analytics: which rows each privacy unit keeps, and
// which released group each kept row falls in (a public key set, or every key seen for thresholding).
import type { DpQuery } from "./query.ts";
import type { Column, Table } from "./table.ts";

/** Rows kept after bounding each privacy unit to max_rows_per_user rows (first rows in file order). */
export function boundContributions(table: Table, privacyUnit: string | null, maxRows: number): Uint8Array {
  const keep = new Uint8Array(table.rowCount);
  if (!privacyUnit) return keep.fill(1);
  const col = table.columns.get(privacyUnit)!;
  const seen = new Map<string | number, number>();
  for (let r = 0; r < table.rowCount; r++) {
    const u = col.type === "number" || col.type === "integer" ? col.values[r]! : col.values[r]!;
    if (u === null || (typeof u === "number" && Number.isNaN(u))) continue; // no unit: cannot be bounded, dropped
    const n = seen.get(u) ?? 0;
    if (n < maxRows) {
      keep[r] = 1;
      seen.set(u, n + 1);
    }
  }
  return keep;
}

function cellKey(col: Column, r: number): string | number | null {
  const v = col.values[r]!;
  return typeof v === "number" && Number.isNaN(v) ? null : v;
}

export interface Groups {
  names: string[];
  keys: (string | number | boolean | null)[][];
  /** Group index of each row, -1 when the row is in no released group. */
  of: Int32Array;
  /** Keys come from the data and must pass a threshold. */
  thresholded: boolean;
}

function normaliseKey(v: unknown, col: Column): string | number | null {
  if (v === null) return null;
  if (col.type === "number" || col.type === "integer") return Number(v);
  return String(v);
}

// Group ids: a cheap string per row for one column, JSON for several.
function singleId(v: string | number | null): string {
  return v === null ? "\u0000" : typeof v === "number" ? `n${v}` : `s${v}`;
}

export function buildGroups(q: DpQuery, table: Table, keep: Uint8Array): Groups {
  const names = q.type === "histogram" ? [q.column!] : q.group_by ?? [];
  const cols = names.map((n) => table.columns.get(n)!);
  const of = new Int32Array(table.rowCount).fill(-1);
  const index = new Map<string, number>();
  const keys: (string | number | boolean | null)[][] = [];
  if (q.keys) {
    for (const k of q.keys) {
      const tuple = (Array.isArray(k) ? k : [k]).map((v, i) => normaliseKey(v, cols[i]!));
      const id = tuple.length === 1 ? singleId(tuple[0]!) : JSON.stringify(tuple);
      if (!index.has(id)) {
        index.set(id, keys.length);
        keys.push(tuple);
      }
    }
  }
  const single = cols.length === 1 ? cols[0]! : undefined;
  for (let r = 0; r < table.rowCount; r++) {
    if (!keep[r]) continue;
    let tuple: (string | number | null)[] | undefined;
    let id: string;
    if (single) {
      // One column: a cheap key string instead of JSON per row (same ids as below).
      const v = cellKey(single, r);
      id = singleId(v);
    } else {
      tuple = cols.map((c) => cellKey(c, r));
      id = JSON.stringify(tuple);
    }
    let g = index.get(id);
    if (g === undefined && !q.keys) {
      g = keys.length;
      index.set(id, g);
      keys.push(tuple ?? [cellKey(single!, r)]);
    }
    if (g !== undefined) of[r] = g;
  }
  return { names, keys, of, thresholded: !q.keys };
}

export function keyObject(g: Groups, i: number): Record<string, string | number | boolean | null> | undefined {
  if (g.names.length === 0) return undefined;
  return Object.fromEntries(g.names.map((n, j) => [n, g.keys[i]![j]!]));
}

