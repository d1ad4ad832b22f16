// Model names and references: `name`, `name:3` (a version), `name@prod` (an alias).
import { InvalidArgumentError } from "../errors/index.ts";

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function checkName(field: string, value: string): string {
  if (typeof value !== "string" || !NAME.test(value)) {
    throw new InvalidArgumentError(field, "must be 1-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit");
  }
  return value;
}

export type ModelRef = { name: string; version?: number; alias?: string };

export function parseModelRef(ref: string, field = "model"): ModelRef {
  if (typeof ref !== "string" || ref.length === 0) throw new InvalidArgumentError(field, "must be a model name");
  const at = ref.indexOf("@");
  const colon = ref.lastIndexOf(":");
  if (at >= 0) return { name: checkName(field, ref.slice(0, at)), alias: checkName(`${field} alias`, ref.slice(at + 1)) };
  if (colon >= 0) {
    const v = ref.slice(colon + 1);
    if (!/^[1-9]\d{0,8}$/.test(v)) throw new InvalidArgumentError(field, "the part after ':' must be a version number ≥ 1");
    return { name: checkName(field, ref.slice(0, colon)), version: Number(v) };
  }
  return { name: checkName(field, ref) };
}

export function formatModelRef(r: ModelRef): string {
  return r.alias ? `${r.name}@${r.alias}` : r.version ? `${r.name}:${r.version}` : r.name;
}
