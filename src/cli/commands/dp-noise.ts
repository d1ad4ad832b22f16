// `llmos dp noise`: the smallest DP-SGD noise multiplier σ meeting a target (ε, δ).
import { InvalidArgumentError } from "../../errors/index.ts";
import { calibrateNoiseMultiplier } from "../../privacy/dp/index.ts";
import { intFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";
import { accountantFlag, requiredNumber } from "./dp-epsilon.ts";

export const dpNoiseCommand: Command = {
  path: ["dp", "noise"],
  summary: "Smallest DP-SGD noise multiplier σ that meets a target (ε, δ)",
  usage: "llmos dp noise --epsilon ε --delta δ --sampling-rate q --steps T [--accountant rdp|pld] [--json]",
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      epsilon: { type: "string" },
      delta: { type: "string" },
      "sampling-rate": { type: "string" },
      steps: { type: "string" },
      accountant: { type: "string" },
      json: { type: "boolean" },
    }, false);
    const accountant = accountantFlag(values.accountant);
    const steps = intFlag("steps", values.steps, 1);
    if (steps === undefined) throw new InvalidArgumentError("--steps", "is required");
    const sigma = calibrateNoiseMultiplier({
      epsilon: requiredNumber("epsilon", values.epsilon),
      delta: requiredNumber("delta", values.delta),
      samplingRate: requiredNumber("sampling-rate", values["sampling-rate"]),
      steps,
      accountant,
    });
    ctx.stdout.write(values.json ? `${JSON.stringify({ noise_multiplier: sigma, accountant })}\n` : `σ = ${sigma} (noise multiplier, ${accountant} accountant)\n`);
    return 0;
  },
};
