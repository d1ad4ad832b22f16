// Shared pieces of the `llmos pii` and `llmos data scrub` commands: input lines, analyzer config
// and operator keys. Nothing here prints input text to stderr (it may be personal data).
import { createReadStream, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parse as parseYaml } from "yaml";
import { InvalidArgumentError } from "../../errors/index.ts";
import { Analyzer, OPERATOR_NAMES, type OperatorName } from "../../privacy/pii/index.ts";
import type { CommandContext } from "../command.ts";

/** Commands read stdin from the context when a caller (a test) supplies one. */
export type PiiCommandContext = CommandContext & { stdin?: NodeJS.ReadableStream };

export function inputStream(ctx: PiiCommandContext, file: string | undefined): NodeJS.ReadableStream {
  if (file) return createReadStream(file, { encoding: "utf8" });
  return ctx.stdin ?? process.stdin;
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let s = "";
  for await (const chunk of stream) s += typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
  return s;
}

export function lines(stream: NodeJS.ReadableStream): AsyncIterable<string> {
  return createInterface({ input: stream, crlfDelay: Infinity });
}

/** The `text` of each `{"text": "..."}` line (blank lines skipped); a bad line is named by number, never shown. */
export async function* jsonlTexts(stream: NodeJS.ReadableStream): AsyncGenerator<string> {
  let n = 0;
  for await (const line of lines(stream)) {
    n++;
    if (line.trim() === "") continue;
    let text: unknown;
    try {
      text = (JSON.parse(line) as { text?: unknown }).text;
    } catch {
      throw new InvalidArgumentError(`input line ${n}`, 'is not JSON; expected {"text": "..."}');
    }
    if (typeof text !== "string") throw new InvalidArgumentError(`input line ${n}`, 'has no string field "text"');
    yield text;
  }
}

/** `--config file.json|yaml` (the analyzer config), `--threshold`, `--entities A,B`. */
export function analyzerFrom(values: { config?: string; threshold?: string; entities?: string }): Analyzer {
  let config: Record<string, unknown> = {};
  if (values.config) {
    const raw = readFileSync(values.config, "utf8");
    config = (/\.ya?ml$/i.test(values.config) ? parseYaml(raw) : JSON.parse(raw)) as Record<string, unknown>;
  }
  if (values.threshold !== undefined) {
    const t = Number(values.threshold);
    if (!Number.isFinite(t) || t < 0 || t > 1) throw new InvalidArgumentError("--threshold", "must be a number in [0, 1]");
    config = { ...config, threshold: t };
  }
  if (values.entities) config = { ...config, entities: values.entities.split(",").map((s) => s.trim()).filter(Boolean) };
  return new Analyzer(config);
}

export function operatorName(v: string | undefined): OperatorName {
  const op = (v ?? "replace") as OperatorName;
  if (!OPERATOR_NAMES.includes(op)) throw new InvalidArgumentError("--operator", `must be one of ${OPERATOR_NAMES.join(", ")}`);
  return op;
}

/** The key for hash/encrypt: `--key-file` (32 raw bytes or 64 hex characters) or LLMOS_PII_KEY (hex). */
export function operatorKey(op: OperatorName, keyFile: string | undefined): Uint8Array | undefined {
  if (op !== "hash" && op !== "encrypt") return undefined;
  let raw: Buffer | undefined;
  if (keyFile) raw = readFileSync(keyFile);
  else if (process.env.LLMOS_PII_KEY) raw = Buffer.from(process.env.LLMOS_PII_KEY);
  if (!raw) throw new InvalidArgumentError("--key-file", `the ${op} operator needs a key: --key-file <file> or LLMOS_PII_KEY (64 hex characters)`);
  const text = raw.toString("utf8").trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, "hex") : raw;
  if (key.length !== 32) throw new InvalidArgumentError("--key-file", "must hold 32 bytes (or 64 hex characters)");
  return new Uint8Array(key);
}
