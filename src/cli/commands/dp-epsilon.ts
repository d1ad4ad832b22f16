// `llmos dp epsilon`: ε of DP-SGD (Poisson-subsampled Gaussian) by the RDP or PLD accountant.
import { InvalidArgumentError } from "../../errors/index.ts";
import { ACCOUNTANT_NAMES, dpSgdEpsilon, rdpEpsilon, type AccountantName } from "../../privacy/dp/index.ts";
import { intFlag, numberFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

export function accountantFlag(value: string | undefined): AccountantName {
  const a = value ?? "rdp";
  if (!(ACCOUNTANT_NAMES as readonly string[]).includes(a)) throw new InvalidArgumentError("--accountant", `must be one of ${ACCOUNTANT_NAMES.join(", ")}, got '${a}'`);
  return a as AccountantName;
}

export function requiredNumber(name: string, value: string | undefined): number {
  const n = numberFlag(name, value);
  if (n === undefined) throw new InvalidArgumentError(`--${name}`, "is required");
  return n;
}

export const dpEpsilonCommand: Command = {
  path: ["dp", "epsilon"],
  summary: "Privacy ε of DP-SGD for a noise multiplier, sampling rate, steps and δ",
  usage: [
    "llmos dp epsilon --noise-multiplier σ --sampling-rate q --steps T --delta δ [--accountant rdp|pld] [--json]",
    "  rdp: Rényi DP (dp_accounting default orders, CKS 2020 conversion); pld: privacy loss distributions (tighter, slower)",
  ].join("\n"),
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      "noise-multiplier": { type: "string" },
      "sampling-rate": { type: "string" },
      steps: { type: "string" },
      delta: { type: "string" },
      accountant: { type: "string" },
      json: { type: "boolean" },
    }, false);
    const accountant = accountantFlag(values.accountant);
    const steps = intFlag("steps", values.steps, 1);
    if (steps === undefined) throw new InvalidArgumentError("--steps", "is required");
    const params = {
      noiseMultiplier: requiredNumber("noise-multiplier", values["noise-multiplier"]),
      samplingRate: requiredNumber("sampling-rate", values["sampling-rate"]),
      steps,
      delta: requiredNumber("delta", values.delta),
    };
    if (accountant === "rdp") {
      const r = rdpEpsilon(params);
      ctx.stdout.write(values.json ? `${JSON.stringify({ epsilon: r.epsilon, accountant, order: r.order })}\n` : `ε = ${r.epsilon} (δ = ${params.delta}, rdp accountant, optimal order ${r.order})\n`);
    } else {
      const epsilon = dpSgdEpsilon("pld", params);
      ctx.stdout.write(values.json ? `${JSON.stringify({ epsilon, accountant })}\n` : `ε = ${epsilon} (δ = ${params.delta}, pld accountant)\n`);
    }
    return 0;
  },
};
