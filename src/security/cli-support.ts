// Shared by the keys and audit commands: opening the kernel for one command.
import { join } from "node:path";
import { SecurityKernel } from "./kernel.ts";

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
