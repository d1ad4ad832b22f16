// `llmos serve` (= npm start): the OpenAI-compatible service on the embedded defaults.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { InvalidArgumentError } from "../../errors/index.ts";
import { DEFAULT_MODEL_FILE, defaultConfig, Kernel } from "../../kernel/index.ts";
import { isPolicyName, type PolicyName } from "../../scheduler/index.ts";
import { buildServer, singleKey } from "../../server/index.ts";
import { intFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
}

/** The API key: LLMOS_API_KEY, else the one stored in the data dir, else a new one printed once. */
async function apiKey(dataDir: string, say: (s: string) => void): Promise<string> {
  const fromEnv = process.env.LLMOS_API_KEY;
  if (fromEnv) {
    if (fromEnv.length < 16) throw new InvalidArgumentError("LLMOS_API_KEY", "must be at least 16 characters");
    return fromEnv;
  }
  const file = join(dataDir, "api-key");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const key = `llmos_${randomBytes(24).toString("base64url")}`;
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: "wx" });
    say(`created an API key (shown once; stored in ${file}):\n  ${key}\n`);
    return key;
  }
}

export const serveCommand: Command = {
  path: ["serve"],
  summary: "Start the OpenAI-compatible service (npm start)",
  usage: [
    "llmos serve [--host 127.0.0.1] [--port 8080] [--data-dir ~/.llmos] [--model file.gguf]... [--policy fifo|priority|fair-share]",
    "            [--slots 16] [--max-queue 256] [--insecure]",
    "  --model     deploy a GGUF as a shared model named after its file (repeatable; default: the shipped model as 'default')",
    "  environment: LLMOS_API_KEY, LLMOS_MEMORY_BUDGET (bytes), LLMOS_KEEP_ALIVE_MS, LLMOS_WAIT_TIMEOUT_MS, LLMOS_GENERATION_TIMEOUT_MS",
  ].join("\n"),
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8080" },
      "data-dir": { type: "string", default: join(homedir(), ".llmos") },
      model: { type: "string", multiple: true },
      policy: { type: "string" },
      slots: { type: "string" },
      "max-queue": { type: "string" },
      insecure: { type: "boolean" },
    }, false);
    const port = intFlag("port", values.port, 0)!;
    if (port > 65535) throw new InvalidArgumentError("--port", `must be ≤ 65535, got ${port}`);
    if (!isLoopback(values.host) && !values.insecure) {
      throw new InvalidArgumentError("--host", `${values.host} is not a loopback address; TLS is not configured, so pass --insecure to serve plain HTTP on it`);
    }
    if (values.policy !== undefined && !isPolicyName(values.policy)) throw new InvalidArgumentError("--policy", `must be fifo, priority or fair-share, got '${values.policy}'`);
    const dataDir = values["data-dir"];
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const key = await apiKey(dataDir, (s) => ctx.stderr.write(s));
    const deploy: [string, string][] = (values.model ?? [DEFAULT_MODEL_FILE]).map((path) => [
      path === DEFAULT_MODEL_FILE ? "default" : basename(path).replace(/\.gguf$/i, "").toLowerCase().replace(/[^a-z0-9._-]/g, "-"),
      path,
    ]);
    const slots = intFlag("slots", values.slots, 1);
    const maxQueue = intFlag("max-queue", values["max-queue"], 0);
    const kernel = await Kernel.create(defaultConfig({
      dataDir, deploy,
      ...(values.policy ? { policy: values.policy as PolicyName } : {}),
      ...(slots !== undefined ? { slots } : {}),
      ...(maxQueue !== undefined ? { maxQueue } : {}),
    }));
    const app = buildServer({ kernel, authenticate: singleKey(key) });
    let address: string;
    try {
      address = await app.listen({ host: values.host, port });
    } catch (e) {
      await kernel.dispose();
      throw e;
    }
    ctx.stderr.write(`llmos serving ${deploy.map(([n]) => n).join(", ")} on ${address}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await app.close();
    await kernel.dispose();
    return 0;
  },
};
