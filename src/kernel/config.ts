// The kernel's configuration: embedded defaults, overridden by flags and LLMOS_* environment variables.
import { totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError } from "../errors/index.ts";
import { isPolicyName, type PolicyName } from "../scheduler/index.ts";
import { defaultDataDir } from "../security/index.ts";

export const DEFAULT_MODEL_FILE = fileURLToPath(new URL("../../models/default/model.gguf", import.meta.url));

export interface KernelConfig {
  dataDir: string;
  /** GGUF files deployed at boot as shared system models: [name, path]. */
  deploy: [string, string][];
  policy: PolicyName;
  slots: number;
  /**
   * CPU threads llama.cpp evaluates with; 0 = every core. Unset: 1 for models under 256 MiB (on
   * few cores more threads spin against the server's own thread), every core for larger ones.
   */
  threads?: number;
  maxQueue: number;
  waitTimeoutMs: number;
  generationTimeoutMs: number;
  memoryBudgetBytes: number;
  keepAliveMs: number;
  /** Per-key token bucket: burst and sustained requests per second. */
  rateLimit: { capacity: number; refillPerSecond: number };
}

/** LLMOS_RATE_LIMIT="burst/per-second", e.g. "60/10" (the default). */
function rateLimitFromEnv(): { capacity: number; refillPerSecond: number } {
  const raw = process.env.LLMOS_RATE_LIMIT;
  if (!raw) return { capacity: 60, refillPerSecond: 10 };
  const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(raw.trim());
  if (!m || Number(m[1]) < 1 || !(Number(m[2]) > 0)) throw new InvalidArgumentError("LLMOS_RATE_LIMIT", `must be 'burst/per-second' such as 60/10, got '${raw}'`);
  return { capacity: Number(m[1]), refillPerSecond: Number(m[2]) };
}

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(name, `must be an integer ≥ ${min}, got '${raw}'`);
  return n;
}

export function defaultConfig(overrides: Partial<KernelConfig> = {}): KernelConfig {
  const policy = process.env.LLMOS_POLICY ?? "fair-share";
  if (!isPolicyName(policy)) throw new InvalidArgumentError("LLMOS_POLICY", `must be fifo, priority or fair-share, got '${policy}'`);
  return {
    dataDir: defaultDataDir(),
    deploy: [["default", DEFAULT_MODEL_FILE]],
    policy,
    // 16 sequences per model: enough to batch 16 concurrent clients; the shipped model's KV cache for 16 × 256 tokens is ~4 MB.
    slots: envInt("LLMOS_SLOTS", 16, 1),
    ...(process.env.LLMOS_THREADS ? { threads: envInt("LLMOS_THREADS", 0, 0) } : {}),
    maxQueue: envInt("LLMOS_MAX_QUEUE", 256, 0),
    waitTimeoutMs: envInt("LLMOS_WAIT_TIMEOUT_MS", 60_000, 1),
    generationTimeoutMs: envInt("LLMOS_GENERATION_TIMEOUT_MS", 300_000, 1),
    // Half the machine's memory for loaded models, like a conservative Ollama.
    memoryBudgetBytes: envInt("LLMOS_MEMORY_BUDGET", Math.floor(totalmem() / 2), 1),
    keepAliveMs: envInt("LLMOS_KEEP_ALIVE_MS", 300_000, 0),
    rateLimit: rateLimitFromEnv(),
    ...overrides,
  };
}
