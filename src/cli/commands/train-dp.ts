// `llmos train-dp` (and `llmos train --dp`, which forwards here): differentially private training or
// fine-tuning with the native engine; writes a checkpoint and model-card.json with the (ε, δ) spent.
import { join } from "node:path";
import { InvalidArgumentError } from "../../errors/index.ts";
import type { GgufTensorType } from "../../engine/gguf/index.ts";
import { exportDpGguf, exportDpLoraGguf, trainDp, type DpTrainOptions } from "../../learning/dp/index.ts";
import type { AccountantName } from "../../privacy/dp/index.ts";
import { checkpointSealer, withKernel } from "../../security/index.ts";
import { intFlag, numberFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";
import { dpDataDir, localUser } from "./dp-dataset.ts";

const OPTIONS = {
  dp: { type: "boolean" },
  data: { type: "string", multiple: true },
  config: { type: "string" },
  from: { type: "string" },
  tokenizer: { type: "string" },
  out: { type: "string" },
  "max-steps": { type: "string" },
  "batch-size": { type: "string" },
  "micro-batch": { type: "string" },
  "seq-len": { type: "string" },
  lr: { type: "string" },
  "min-lr": { type: "string" },
  warmup: { type: "string" },
  "weight-decay": { type: "string" },
  optimizer: { type: "string" },
  seed: { type: "string" },
  "val-fraction": { type: "string" },
  "eval-batches": { type: "string" },
  epsilon: { type: "string" },
  delta: { type: "string" },
  clip: { type: "string" },
  "noise-multiplier": { type: "string" },
  accountant: { type: "string" },
  dataset: { type: "string" },
  tenant: { type: "string" },
  "data-dir": { type: "string" },
  scrub: { type: "boolean" },
  private: { type: "boolean" },
  "lora-rank": { type: "string" },
  "lora-alpha": { type: "string" },
  export: { type: "string" },
  "export-lora": { type: "string" },
  "export-type": { type: "string" },
  "checkpoint-every": { type: "string" },
  resume: { type: "boolean" },
  json: { type: "boolean" },
} as const;

/** `--epsilon -1` → `--epsilon=-1`, so validation (not parseArgs) says what is wrong. */
function attachNegativeNumbers(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.startsWith("--") ? a.slice(2) : "";
    if (name in OPTIONS && OPTIONS[name as keyof typeof OPTIONS].type === "string" && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

function required(flag: string, v: number | undefined): number {
  if (v === undefined) throw new InvalidArgumentError(flag, "is required for DP training");
  return v;
}

export function parseTrainDpArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): { options: DpTrainOptions; json: boolean; exportTo?: string; exportLora?: string; exportType: GgufTensorType } {
  const { values: v, positionals } = parseFlags(attachNegativeNumbers(argv), OPTIONS);
  const data = [...(v.data ?? []), ...positionals];
  if (!v.out) throw new InvalidArgumentError("--out", "give the output directory for the checkpoint");
  if (v.optimizer !== undefined && v.optimizer !== "adamw" && v.optimizer !== "sgd") throw new InvalidArgumentError("--optimizer", `must be adamw or sgd, got '${v.optimizer}'`);
  const exportType = (v["export-type"] ?? "f16") as GgufTensorType;
  if (!["f32", "f16", "q8_0"].includes(exportType)) throw new InvalidArgumentError("--export-type", `must be f32, f16 or q8_0, got '${exportType}'`);
  const epsilon = numberFlag("epsilon", v.epsilon);
  const noise = numberFlag("noise-multiplier", v["noise-multiplier"]);
  // A resumed run takes every setting it is not given from the run it continues (and refuses changed ones).
  const resume = v.resume ?? false;
  const delta = numberFlag("delta", v.delta);
  const clip = numberFlag("clip", v.clip);
  const options: DpTrainOptions = {
    data, out: v.out,
    ...(resume ? { resume } : { delta: required("--delta", delta), clip: required("--clip", clip) }),
    ...(resume && delta !== undefined ? { delta } : {}),
    ...(resume && clip !== undefined ? { clip } : {}),
    ...(epsilon !== undefined ? { epsilon } : {}),
    ...(noise !== undefined ? { noiseMultiplier: noise } : {}),
    ...(v.accountant !== undefined ? { accountant: v.accountant as AccountantName } : {}),
    ...(v.config !== undefined ? { config: v.config } : {}),
    ...(v.from !== undefined ? { from: v.from } : {}),
    ...(v.tokenizer !== undefined ? { tokenizer: v.tokenizer } : {}),
    ...(v.optimizer !== undefined ? { optimizer: v.optimizer } : {}),
    ...(v.scrub ? { scrub: true } : {}),
  };
  const ints: [keyof DpTrainOptions, string, number][] = [["maxSteps", "max-steps", 1], ["batchSize", "batch-size", 1], ["microBatch", "micro-batch", 1], ["seqLen", "seq-len", 2], ["warmupSteps", "warmup", 0], ["seed", "seed", 0], ["evalBatches", "eval-batches", 1], ["checkpointEvery", "checkpoint-every", 1]];
  for (const [key, flag, min] of ints) {
    const n = intFlag(flag, v[flag as keyof typeof v] as string | undefined, min);
    if (n !== undefined) (options as unknown as Record<string, unknown>)[key] = n;
  }
  const nums: [keyof DpTrainOptions, string][] = [["lr", "lr"], ["minLr", "min-lr"], ["weightDecay", "weight-decay"], ["valFraction", "val-fraction"]];
  for (const [key, flag] of nums) {
    const n = numberFlag(flag, v[flag as keyof typeof v] as string | undefined);
    if (n !== undefined) (options as unknown as Record<string, unknown>)[key] = n;
  }
  const loraRank = intFlag("lora-rank", v["lora-rank"], 1);
  const loraAlpha = numberFlag("lora-alpha", v["lora-alpha"]);
  if (loraAlpha !== undefined && loraRank === undefined) throw new InvalidArgumentError("--lora-alpha", "only applies with --lora-rank");
  if (loraRank !== undefined) options.lora = { rank: loraRank, ...(loraAlpha !== undefined ? { alpha: loraAlpha } : {}) };
  if (v.dataset !== undefined) {
    options.dataset = { db: join(dpDataDir(v["data-dir"], env), "llmos.db"), tenant: v.tenant ?? "default", id: v.dataset, user: localUser() };
  }
  if (v["export-lora"] !== undefined && !options.lora) throw new InvalidArgumentError("--export-lora", "only applies with --lora-rank");
  return { options, json: v.json ?? false, ...(v.export !== undefined ? { exportTo: v.export } : {}), ...(v["export-lora"] !== undefined ? { exportLora: v["export-lora"] } : {}), exportType };
}

/** The --data-dir value (already validated by the flag parser), whose master key seals a private checkpoint. */
function dataDirArg(argv: string[]): string | undefined {
  const i = argv.indexOf("--data-dir");
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith("--data-dir="))?.slice("--data-dir=".length);
}

export const trainDpCommand: Command = {
  path: ["train-dp"],
  summary: "Train or fine-tune a model with differential privacy (DP-SGD / DP-AdamW, per-example clipping, calibrated noise)",
  usage: [
    "llmos train-dp --data <files...> --out <dir> (--config <preset|file.json> --tokenizer tok.json | --from <checkpoint|model.gguf>)",
    "               --delta D --clip C (--epsilon E [--noise-multiplier S] | --noise-multiplier S) [--accountant rdp|pld]",
    "               [--max-steps N] [--batch-size N (expected, Poisson-sampled)] [--micro-batch N] [--seq-len N] [--lr X]",
    "               [--min-lr X] [--warmup N] [--weight-decay X] [--optimizer adamw|sgd] [--seed N] [--val-fraction X]",
    "               [--dataset ID [--tenant T] [--data-dir DIR]] [--scrub] [--lora-rank R [--lora-alpha A]]",
    "               [--checkpoint-every N] [--resume] [--export model.gguf [--export-type f16]] [--export-lora adapter.gguf] [--json]",
    "  Checkpoints are written atomically every --checkpoint-every steps (default 50) and after the last step.",
    "  --resume continues the DP run in --out after a crash from its latest checkpoint: same mechanism (settings not",
    "  given are taken from the run; changed ones are refused), the accountant continues at the checkpoint's step, and",
    "  the dataset budget is not debited again.",
    "  --lora-rank trains only rank-R adapters of the attention/FFN matrices; the checkpoint and --export hold them",
    "  merged; --export-lora writes them as a GGUF LoRA adapter that llama.cpp applies on the base model.",
    "  With --epsilon alone, σ is calibrated so --max-steps steps spend at most ε; with both, training stops",
    "  before ε would be exceeded. --dataset debits the spend from that dataset's budget before training.",
    "  --private seals the checkpoint's tensors at rest (AES-256-GCM, the --data-dir master key); export and serving open them.",
    "  --scrub passes the corpus through the PII guard first. model-card.json is written next to the checkpoint",
    "  (and next to the GGUF with --export). The guarantee is per training sequence of --seq-len + 1 tokens.",
  ].join("\n"),
  async run(argv, ctx) {
    const { options, json, exportTo, exportLora, exportType } = parseTrainDpArgs(argv);
    options.onCheckpoint = (c) => {
      if (json) ctx.stdout.write(`${JSON.stringify({ type: "checkpoint", step: c.step, dir: c.dir, epsilon: c.epsilon })}\n`);
      else ctx.stderr.write(`checkpoint step ${c.step}: ${c.dir}\n`);
    };
    options.onStep = (s) => {
      if (json) ctx.stdout.write(`${JSON.stringify({ type: "step", ...s })}\n`);
      // No training loss: it is computed on the private batch, outside the guarantee (see trainDp).
      else if (s.step % 10 === 0 || s.step === s.totalSteps) ctx.stderr.write(`step ${s.step}/${s.totalSteps}${Number.isNaN(s.epsilon) ? "" : ` ε ${s.epsilon.toFixed(3)}`}\n`);
    };
    // --private: the checkpoint's tensors are sealed at rest under the data directory's master key.
    const isPrivate = argv.includes("--private");
    const { r, exported, adapter } = isPrivate
      ? await withKernel(dpDataDir(dataDirArg(argv)), async (k) => {
        options.sealer = checkpointSealer(k.cipher);
        const r = await trainDp(options);
        return {
          r,
          exported: exportTo ? await exportDpGguf(r.checkpoint, exportTo, exportType, "llmos-dp", options.sealer) : undefined,
          adapter: exportLora ? await exportDpLoraGguf(r.checkpoint, exportLora, "llmos-dp-lora", options.sealer) : undefined,
        };
      })
      : await (async () => {
        const r = await trainDp(options);
        return {
          r,
          exported: exportTo ? await exportDpGguf(r.checkpoint, exportTo, exportType) : undefined,
          adapter: exportLora ? await exportDpLoraGguf(r.checkpoint, exportLora) : undefined,
        };
      })();
    const summary = {
      type: "done", steps: r.steps, epsilon: r.epsilon, delta: r.plan.delta, accountant: r.plan.accountant, noise_multiplier: r.plan.noiseMultiplier,
      sampling_rate: r.plan.samplingRate, clip: r.plan.clip, val_perplexity: r.valPerplexity, checkpoint: r.checkpoint, model_card: r.modelCard,
      resumed_from: r.resumedFrom,
      ...(exported ? { gguf: exported.gguf } : {}),
      ...(adapter ? { lora_gguf: adapter.gguf } : {}),
    };
    if (json) {
      ctx.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      ctx.stdout.write(`trained ${r.steps} DP steps: (ε = ${r.epsilon.toFixed(3)}, δ = ${r.plan.delta}) by ${r.plan.accountant}, σ = ${r.plan.noiseMultiplier.toFixed(4)}, q = ${r.plan.samplingRate.toPrecision(3)}, C = ${r.plan.clip}; val perplexity ${r.valPerplexity.toFixed(2)}\n`);
      ctx.stdout.write(`checkpoint: ${r.checkpoint}\nmodel card: ${r.modelCard}\n`);
      if (exported) ctx.stdout.write(`gguf: ${exported.gguf} (model card beside it)\n`);
      if (adapter) ctx.stdout.write(`lora adapter gguf: ${adapter.gguf}\n`);
    }
    return 0;
  },
};
