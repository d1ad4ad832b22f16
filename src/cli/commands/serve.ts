// `llmos serve` (= npm start): the OpenAI-compatible service on the embedded defaults.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError } from "../../errors/index.ts";
import { LlamaCppModel } from "../../runtime/index.ts";
import { buildServer } from "../../server/index.ts";
import { intFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

export const DEFAULT_MODEL = fileURLToPath(new URL("../../../models/default/model.gguf", import.meta.url));

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
  usage: "llmos serve [--host 127.0.0.1] [--port 8080] [--data-dir ~/.llmos] [--model file.gguf]... [--insecure]",
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8080" },
      "data-dir": { type: "string", default: join(homedir(), ".llmos") },
      model: { type: "string", multiple: true },
      insecure: { type: "boolean" },
    }, false);
    const port = intFlag("port", values.port, 0)!;
    if (port > 65535) throw new InvalidArgumentError("--port", `must be ≤ 65535, got ${port}`);
    if (!isLoopback(values.host) && !values.insecure) {
      throw new InvalidArgumentError("--host", `${values.host} is not a loopback address; TLS is not configured, so pass --insecure to serve plain HTTP on it`);
    }
    await mkdir(values["data-dir"], { recursive: true, mode: 0o700 });
    const key = await apiKey(values["data-dir"], (s) => ctx.stderr.write(s));
    const paths = values.model ?? [DEFAULT_MODEL];
    const models = [];
    for (const path of paths) {
      const id = path === DEFAULT_MODEL ? "default" : basename(path).replace(/\.gguf$/i, "");
      models.push({ id, runtime: await LlamaCppModel.load(path), created: Math.floor(Date.now() / 1000) });
    }
    const app = buildServer({ models, apiKey: key });
    const address = await app.listen({ host: values.host, port });
    ctx.stderr.write(`llmos serving ${models.map((m) => m.id).join(", ")} on ${address}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await app.close();
    for (const m of models) await m.runtime.dispose();
    return 0;
  },
};
