// Starts `llmos serve` as a real child process on a free loopback port and waits until it listens.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/llmos.js", import.meta.url));

/** A fresh admin key in the llmos_<12 hex>_<64 hex> shape, for LLMOS_ADMIN_KEY. */
export function newAdminKey(): string {
  return `llmos_${randomBytes(6).toString("hex")}_${randomBytes(32).toString("hex")}`;
}

/** Environment for a test server: its admin key, and a rate limit no test traffic reaches. */
export function serverEnv(adminKey: string): Record<string, string> {
  return { LLMOS_ADMIN_KEY: adminKey, LLMOS_RATE_LIMIT: "100000/100000" };
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  process: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

export async function startServer(args: string[], env: Record<string, string> = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      const m = /on (https?:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  return {
    url,
    process: child,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/** Runs the CLI to completion. */
export async function runLlmos(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, "exit")) as [number];
  return { code, stdout, stderr };
}
