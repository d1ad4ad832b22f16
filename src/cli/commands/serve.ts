// `llmos serve` (= npm start): the OpenAI-compatible service on the embedded defaults.
import { mkdir, readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { basename } from "node:path";
import { InvalidArgumentError } from "../../errors/index.ts";
import { DEFAULT_MODEL_FILE, defaultConfig, Kernel } from "../../kernel/index.ts";
import { isPolicyName, type PolicyName } from "../../scheduler/index.ts";
import { buildServer } from "../../server/index.ts";
import { DATA_DIR_FLAG, dataDirFrom, intFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
}

async function readPem(flag: string, path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new InvalidArgumentError(flag, `cannot read ${path}`);
  }
  if (!/-----BEGIN [A-Z ]+-----/.test(text)) throw new InvalidArgumentError(flag, `${path} is not a PEM file`);
  return text;
}

export const serveCommand: Command = {
  path: ["serve"],
  summary: "Start the OpenAI-compatible service (npm start)",
  usage: [
    "llmos serve [--host 127.0.0.1] [--port 8080] [--data-dir ~/.llmos] [--model file.gguf]... [--policy fifo|priority|fair-share]",
    "            [--slots 16] [--threads N] [--max-queue 256] [--tls-cert cert.pem --tls-key key.pem] [--insecure]",
    "  --threads   CPU threads llama.cpp evaluates with (0 = every core; default 1 for models under 256 MiB, else every core)",
    "  --model     deploy a GGUF as a shared model named after its file (repeatable; default: the shipped model as 'default')",
    "  environment: LLMOS_ADMIN_KEY (first start), LLMOS_MASTER_KEY, LLMOS_MEMORY_BUDGET (bytes), LLMOS_KEEP_ALIVE_MS, LLMOS_WAIT_TIMEOUT_MS, LLMOS_GENERATION_TIMEOUT_MS, LLMOS_THREADS",
  ].join("\n"),
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8080" },
      ...DATA_DIR_FLAG,
      model: { type: "string", multiple: true },
      policy: { type: "string" },
      slots: { type: "string" },
      threads: { type: "string" },
      "max-queue": { type: "string" },
      insecure: { type: "boolean" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
    }, false);
    if (Boolean(values["tls-cert"]) !== Boolean(values["tls-key"])) throw new InvalidArgumentError("--tls-cert/--tls-key", "give both, or neither");
    const tls = values["tls-cert"] ? { cert: await readPem("--tls-cert", values["tls-cert"]), key: await readPem("--tls-key", values["tls-key"]!) } : undefined;
    const port = intFlag("port", values.port, 0)!;
    if (port > 65535) throw new InvalidArgumentError("--port", `must be ≤ 65535, got ${port}`);
    if (!isLoopback(values.host) && !values.insecure && !tls) {
      throw new InvalidArgumentError("--host", `${values.host} is not a loopback address and TLS is not configured; give --tls-cert and --tls-key, or --insecure to serve plain HTTP on it`);
    }
    if (values.policy !== undefined && !isPolicyName(values.policy)) throw new InvalidArgumentError("--policy", `must be fifo, priority or fair-share, got '${values.policy}'`);
    const dataDir = dataDirFrom(values["data-dir"]);
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const deploy: [string, string][] = (values.model ?? [DEFAULT_MODEL_FILE]).map((path) => [
      path === DEFAULT_MODEL_FILE ? "default" : basename(path).replace(/\.gguf$/i, "").toLowerCase().replace(/[^a-z0-9._-]/g, "-"),
      path,
    ]);
    const slots = intFlag("slots", values.slots, 1);
    const threads = intFlag("threads", values.threads, 0);
    const maxQueue = intFlag("max-queue", values["max-queue"], 0);
    const kernel = await Kernel.create(defaultConfig({
      dataDir, deploy,
      ...(values.policy ? { policy: values.policy as PolicyName } : {}),
      ...(slots !== undefined ? { slots } : {}),
      ...(threads !== undefined ? { threads } : {}),
      ...(maxQueue !== undefined ? { maxQueue } : {}),
    }));
    // First start: an admin key (or LLMOS_ADMIN_KEY), shown once and stored only as an scrypt hash.
    let app: ReturnType<typeof buildServer>;
    try {
      const first = kernel.security.bootstrap();
      // A key given in LLMOS_ADMIN_KEY is never echoed: only a generated one is shown, once.
      if (first && process.env.LLMOS_ADMIN_KEY) ctx.stderr.write(`registered the admin API key from LLMOS_ADMIN_KEY (id ${first.principal.id})\n`);
      else if (first) ctx.stderr.write(`created the admin API key (shown once, stored only as a hash; 'llmos keys create' makes more):\n  ${first.key}\n`);
      app = buildServer({ kernel, ...(tls ? { tls } : {}) });
    } catch (e) {
      await kernel.dispose();
      throw e;
    }
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
