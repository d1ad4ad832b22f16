// Dispatch of argv to a registered command, help text, and the one place errors become output.
import { readFileSync } from "node:fs";
import { isLlmosError } from "../errors/index.ts";
import type { Command, CommandContext } from "./command.ts";

const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

function findCommand(commands: Command[], argv: string[]): { command: Command; rest: string[] } | undefined {
  // Longest path first, so `tokenizer train` wins over a hypothetical `tokenizer`.
  const sorted = [...commands].sort((a, b) => b.path.length - a.path.length);
  for (const command of sorted) {
    if (command.path.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(command.path.length) };
  }
  return undefined;
}

export function helpText(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.path.join(" ").length));
  const lines = commands.map((c) => `  ${c.path.join(" ").padEnd(width)}  ${c.summary}`);
  return [
    `llmos ${VERSION}: LLMasOS, a privacy-first operating system for large language models`,
    "",
    "Usage: llmos <command> [options]   (llmos help <command> for its options; --debug shows stack traces)",
    "",
    "Commands:",
    ...lines,
    "",
  ].join("\n");
}

/** Prints an error as one line (stack only with --debug) and returns the exit code. */
export function reportError(error: unknown, ctx: CommandContext): number {
  const message = error instanceof Error ? error.message : String(error);
  ctx.stderr.write(`llmos: error: ${message.split("\n")[0]}\n`);
  if (ctx.debug && error instanceof Error && error.stack) ctx.stderr.write(`${error.stack}\n`);
  if (isLlmosError(error)) return error.code === "invalid_argument" || error.code === "not_found" ? 2 : 1;
  return 1;
}

export async function runCli(commands: Command[], rawArgv: string[], ctx: CommandContext): Promise<number> {
  const debug = rawArgv.includes("--debug");
  const argv = rawArgv.filter((a) => a !== "--debug");
  const c: CommandContext = { ...ctx, debug: ctx.debug || debug };
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h") {
    c.stdout.write(helpText(commands));
    return 0;
  }
  if (argv[0] === "--version" || argv[0] === "-v") {
    c.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (argv[0] === "help") {
    const found = findCommand(commands, argv.slice(1));
    c.stdout.write(found ? `${found.command.summary}\n\n${found.command.usage}\n` : helpText(commands));
    return found || argv.length === 1 ? 0 : 2;
  }
  const found = findCommand(commands, argv);
  if (!found) {
    c.stderr.write(`llmos: error: unknown command '${argv.slice(0, 2).join(" ")}'; run 'llmos --help' for the list\n`);
    return 2;
  }
  if (found.rest.includes("--help") || found.rest.includes("-h")) {
    c.stdout.write(`${found.command.summary}\n\n${found.command.usage}\n`);
    return 0;
  }
  try {
    return await found.command.run(found.rest, c);
  } catch (error) {
    return reportError(error, c);
  }
}
