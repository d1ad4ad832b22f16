// Shared by the keys and audit commands: the --data-dir flag and opening the kernel for one command.
import { join } from "node:path";
import { InvalidArgumentError } from "../errors/index.ts";
import { defaultDataDir, SecurityKernel } from "./kernel.ts";

export const DATA_DIR_FLAG = { "data-dir": { type: "string" as const } };

export function dataDirFrom(value: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const dir = value ?? defaultDataDir(env);
  if (dir.trim() === "" || dir.includes("\0")) throw new InvalidArgumentError("--data-dir", "must be a directory path");
  return dir;
}

/** Runs `fn` with a kernel over <dataDir>/llmos.db and always closes it. */
export async function withKernel<T>(dataDir: string, fn: (k: SecurityKernel) => T | Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const kernel = SecurityKernel.open({ dataDir, env });
  try {
    return await fn(kernel);
  } finally {
    kernel.close();
  }
}

export const dbPathOf = (dataDir: string) => join(dataDir, "llmos.db");
