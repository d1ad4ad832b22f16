// Runs the fl commands as their own `llmos` (for tests and until cli.ts registers them):
// node --import tsx src/learning/fl/cli-entry.ts fl serve --config federation.yaml
import { flCommands } from "../../cli/commands/fl.ts";
import { reportError, runCli } from "../../cli/run.ts";

const ctx = { stdout: process.stdout, stderr: process.stderr, debug: process.argv.includes("--debug") };
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (error: unknown) => process.exit(reportError(error, ctx)));
}
process.exitCode = await runCli(flCommands, process.argv.slice(2), ctx);
// Sockets or wasm threads must not keep a finished command alive.
process.exit(process.exitCode);
