// Stand-alone entry for the MPC processes (and the he commands) until `llmos` registers them:
// node --import tsx src/privacy/mpc/main.ts mpc party|dealer|credentials ... | he keygen|encrypt|aggregate|decrypt ...
import { heCommands } from "../../cli/commands/he.ts";
import { mpcCommands } from "../../cli/commands/mpc.ts";
import { reportError, runCli } from "../../cli/run.ts";

const ctx = { stdout: process.stdout, stderr: process.stderr, debug: process.argv.includes("--debug") };
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (error: unknown) => process.exit(reportError(error, ctx)));
}
process.exitCode = await runCli([...mpcCommands, ...heCommands], process.argv.slice(2), ctx);
