// The llmos command line: registers the commands and hands each its arguments. Nothing else lives here.
import { exportCommand } from "./commands/export.ts";
import { generateCommand } from "./commands/generate.ts";
import { infoCommand } from "./commands/info.ts";
import { tokenizerTrainCommand } from "./commands/tokenizer-train.ts";
import { trainCommand } from "./commands/train.ts";
import { trainDpCommand } from "./commands/train-dp.ts";
import { serveCommand } from "./commands/serve.ts";
import { modelsCommands } from "./commands/models.ts";
import { keysCommands } from "./commands/keys.ts";
import { auditCommands } from "./commands/audit.ts";
import { mpcCommands } from "./commands/mpc.ts";
import { piiAnalyzeCommand } from "./commands/pii-analyze.ts";
import { piiAnonymizeCommand } from "./commands/pii-anonymize.ts";
import { dataScrubCommand } from "./commands/data-scrub.ts";
import { flJoinCommand, flProvisionCommand, flServeCommand, flSimulateCommand } from "./commands/fl.ts";
import { dpDatasetAddCommand, dpDatasetBudgetCommand, dpDatasetListCommand } from "./commands/dp-dataset.ts";
import { dpEpsilonCommand } from "./commands/dp-epsilon.ts";
import { dpNoiseCommand } from "./commands/dp-noise.ts";
import { dpQueryCommand } from "./commands/dp-query.ts";
import { heCommands } from "./commands/he.ts";
import { reportError, runCli } from "./run.ts";

const commands = [tokenizerTrainCommand, trainCommand, trainDpCommand, exportCommand, infoCommand, generateCommand, serveCommand, ...modelsCommands, ...keysCommands, ...auditCommands, ...mpcCommands, ...heCommands,
  dpEpsilonCommand, dpNoiseCommand, dpDatasetAddCommand, dpDatasetListCommand, dpDatasetBudgetCommand, dpQueryCommand,
  flServeCommand, flJoinCommand, flProvisionCommand, flSimulateCommand,
  piiAnalyzeCommand, piiAnonymizeCommand, dataScrubCommand];

// Last resort: an error that escaped a command still prints as one line (the wasm runtime's own
// handler would otherwise dump its module source).
const ctx = { stdout: process.stdout, stderr: process.stderr, debug: process.argv.includes("--debug") };
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.on(event, (error: unknown) => process.exit(reportError(error, ctx)));
}

process.exitCode = await runCli(commands, process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  debug: false,
});
