// Canonical JSON (RFC 8785 JCS for the values used here): object keys sorted by UTF-16 code units,
// no whitespace, ECMAScript number formatting. Equal events give equal bytes, hence equal leaf hashes.
import { InvalidArgumentError } from "../../errors/index.ts";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue | undefined };

export function canonicalJson(value: JsonValue | undefined, field = "entry"): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new InvalidArgumentError(field, "must be a finite number");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => canonicalJson(v, `${field}[${i}]`)).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k], `${field}.${k}`)}`).join(",")}}`;
  }
  throw new InvalidArgumentError(field, `cannot be stored as JSON (${typeof value})`);
}
