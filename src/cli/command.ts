// The shape of one CLI command. Each lives in src/cli/commands/<name>.ts; cli.ts only registers them.

export interface CommandContext {
  /** Human-facing output (results). */
  stdout: NodeJS.WritableStream;
  /** Progress, warnings and errors. */
  stderr: NodeJS.WritableStream;
  /** --debug was given: errors print their stack. */
  debug: boolean;
}

export interface Command {
  /** Words after `llmos`, e.g. ["tokenizer", "train"]. */
  path: string[];
  summary: string;
  /** Usage lines shown by `llmos help <command>` and on a usage error. */
  usage: string;
  /** Runs with the arguments after the command's path; resolves to the exit code. */
  run(argv: string[], ctx: CommandContext): Promise<number>;
}
