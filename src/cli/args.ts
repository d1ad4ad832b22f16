// Typed flag parsing on node:util parseArgs, with errors that name the flag.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { InvalidArgumentError } from "../errors/index.ts";
import { defaultDataDir } from "../security/index.ts";

/** The --data-dir flag every command that opens the store takes. */
export const DATA_DIR_FLAG = { "data-dir": { type: "string" as const } };

/** --data-dir, else LLMOS_DATA_DIR, else ~/.llmos. */
export function dataDirFrom(value: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const dir = value ?? defaultDataDir(env);
  if (dir.trim() === "" || dir.includes("\0")) throw new InvalidArgumentError("--data-dir", "must be a directory path");
  return dir;
}

export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (cause) {
    const msg = (cause as Error).message.split("\n")[0] ?? "bad arguments";
    throw new InvalidArgumentError("arguments", msg.replace(/\. To specify.*$/, ""), { cause });
  }
}

export function intFlag(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new InvalidArgumentError(`--${name}`, `must be an integer ≥ ${min}, got '${value}'`);
  }
  return n;
}

export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError(`--${name}`, `must be a number, got '${value}'`);
  return n;
}
