// `llmos train`: trains a Llama-architecture model with the native engine and writes checkpoints.
import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { InvalidArgumentError } from "../../errors/index.ts";
import { Analyzer, scrubFile } from "../../privacy/pii/index.ts";
import { progressReporter, train, type TrainOptions } from "../../engine/train/index.ts";
import { intFlag, numberFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";
import { trainDpCommand } from "./train-dp.ts";

// Trainer option names → the flags that set them, so errors name what the user typed.
const FLAG_OF: Record<string, string> = {
  data: "--data", config: "--config", out: "--out", maxSteps: "--max-steps", batchSize: "--batch-size", seqLen: "--seq-len",
  lr: "--lr", minLr: "--min-lr", warmupSteps: "--warmup", weightDecay: "--weight-decay", clip: "--clip", gradAccum: "--grad-accum",
  evalEvery: "--eval-every", evalBatches: "--eval-batches", checkpointEvery: "--checkpoint-every", seed: "--seed",
  valFraction: "--val-fraction", tokenizer: "--tokenizer", vocabSize: "--vocab-size", resume: "--resume",
};

const OPTIONS = {
  data: { type: "string", multiple: true },
  config: { type: "string" },
  out: { type: "string" },
  "max-steps": { type: "string" },
  "batch-size": { type: "string" },
  "seq-len": { type: "string" },
  lr: { type: "string" },
  "min-lr": { type: "string" },
  warmup: { type: "string" },
  "weight-decay": { type: "string" },
  clip: { type: "string" },
  "grad-accum": { type: "string" },
  "eval-every": { type: "string" },
  "eval-batches": { type: "string" },
  "checkpoint-every": { type: "string" },
  seed: { type: "string" },
  "val-fraction": { type: "string" },
  tokenizer: { type: "string" },
  "vocab-size": { type: "string" },
  resume: { type: "boolean" },
  samples: { type: "boolean" },
  scrub: { type: "boolean" },
  json: { type: "boolean" },
} as const;

/** `--lr -1` → `--lr=-1`: parseArgs would call a negative number ambiguous; let validation say what is wrong. */
function attachNegativeNumbers(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.startsWith("--") ? a.slice(2) : "";
    const isValueFlag = name in OPTIONS && OPTIONS[name as keyof typeof OPTIONS].type === "string";
    if (isValueFlag && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/**
 * --scrub: each corpus file goes through the PII guard (streaming, constant memory) into
 * <out>/scrubbed/ first, and training reads only the scrubbed copies.
 */
async function scrubCorpus(options: TrainOptions, ctx: { stderr: NodeJS.WritableStream }): Promise<void> {
  if (!options.data?.length) return;
  const dir = join(options.out, "scrubbed");
  await mkdir(dir, { recursive: true });
  const analyzer = new Analyzer();
  const scrubbed: string[] = [];
  for (const [i, file] of options.data.entries()) {
    const out = join(dir, `${i}-${basename(file)}`);
    const report = await scrubFile(file, out, { analyzer, operators: { DEFAULT: { type: "replace" } } });
    const found = Object.entries(report.entities).map(([t, n]) => `${n} ${t}`).join(", ") || "none";
    ctx.stderr.write(`scrubbed ${basename(file)}: ${found}\n`);
    scrubbed.push(out);
  }
  options.data = scrubbed;
}

function parseTrainArgs(argv: string[]): { options: TrainOptions; json: boolean; scrub: boolean } {
  const { values: v, positionals } = parseFlags(attachNegativeNumbers(argv), OPTIONS);
  const data = [...(v.data ?? []), ...positionals];
  if (!v.out) throw new InvalidArgumentError("--out", "give the output directory for checkpoints");
  const options: TrainOptions = {
    out: v.out,
    ...(data.length > 0 ? { data } : {}),
    ...(v.config !== undefined ? { config: v.config } : {}),
    maxSteps: intFlag("max-steps", v["max-steps"], 1),
    batchSize: intFlag("batch-size", v["batch-size"], 1),
    seqLen: intFlag("seq-len", v["seq-len"], 1),
    lr: numberFlag("lr", v.lr),
    minLr: numberFlag("min-lr", v["min-lr"]),
    warmupSteps: intFlag("warmup", v.warmup, 0),
    weightDecay: numberFlag("weight-decay", v["weight-decay"]),
    clip: numberFlag("clip", v.clip),
    gradAccum: intFlag("grad-accum", v["grad-accum"], 1),
    evalEvery: intFlag("eval-every", v["eval-every"], 1),
    evalBatches: intFlag("eval-batches", v["eval-batches"], 1),
    checkpointEvery: intFlag("checkpoint-every", v["checkpoint-every"], 1),
    seed: intFlag("seed", v.seed, 0),
    valFraction: numberFlag("val-fraction", v["val-fraction"]),
    ...(v.tokenizer !== undefined ? { tokenizer: v.tokenizer } : {}),
    vocabSize: intFlag("vocab-size", v["vocab-size"], 257),
    resume: v.resume ?? false,
    samples: v.samples ?? false,
  };
  if (!options.resume && data.length === 0) throw new InvalidArgumentError("--data", "give at least one corpus file (.txt or .jsonl)");
  if (!options.resume && !options.config) throw new InvalidArgumentError("--config", "give a preset (tiny, default) or a config .json file");
  // Leave unset options out entirely: on --resume only the flags actually given are compared.
  for (const k of Object.keys(options) as (keyof TrainOptions)[]) if (options[k] === undefined) delete options[k];
  return { options, json: v.json ?? false, scrub: v.scrub ?? false };
}

/** Re-labels a trainer validation error with the flag the user typed. */
function withFlagName(error: unknown): unknown {
  if (error instanceof InvalidArgumentError && FLAG_OF[error.field]) {
    const problem = error.message.slice(error.field.length + 2);
    return new InvalidArgumentError(FLAG_OF[error.field]!, problem, { cause: error });
  }
  return error;
}

export const trainCommand: Command = {
  path: ["train"],
  summary: "Train a model with the native engine (tiny/default presets or a config file), with resumable checkpoints",
  usage: [
    "llmos train --data <files...> --config <preset|file.json> --out <dir> [--max-steps N] [--batch-size N] [--seq-len N]",
    "            [--lr X] [--min-lr X] [--warmup N] [--grad-accum N] [--clip X] [--weight-decay X] [--eval-every N]",
    "            [--eval-batches N] [--checkpoint-every N] [--seed N] [--val-fraction X] [--tokenizer tok.json]",
    "            [--vocab-size N] [--resume] [--samples] [--json]",
    "  .txt files are one document each; .jsonl files hold one {\"text\": ...} document per line.",
    "  Without --tokenizer a BPE tokenizer is trained on the data (512 tokens for tiny, 4096 otherwise).",
    "  --resume continues from <dir>/latest with the checkpoint's settings (--max-steps may be raised).",
    "  --json writes newline-delimited JSON events (step, eval, checkpoint, done) on stdout.",
    "  --scrub passes every corpus file through the PII guard first (scrubbed copies in <dir>/scrubbed/).",
    "  --dp trains with differential privacy (DP-SGD / DP-AdamW): see 'llmos help train-dp'.",
  ].join("\n"),
  async run(argv, ctx) {
    // Differentially private training has its own flags and trainer; `llmos train --dp` is the same command.
    if (argv.includes("--dp")) return trainDpCommand.run(argv, ctx);
    const { options, json, scrub } = parseTrainArgs(argv);
    if (scrub) await scrubCorpus(options, ctx);
    const reporter = progressReporter({ json, stdout: ctx.stdout, stderr: ctx.stderr });
    let result;
    try {
      result = await train(options, reporter);
    } catch (error) {
      reporter.close();
      throw withFlagName(error);
    }
    reporter.done(result);
    if (!json) {
      const val = result.valLoss === null ? "" : `, val loss ${result.valLoss.toFixed(4)} (perplexity ${result.valPerplexity?.toFixed(2)})`;
      const train = result.trainLoss === null ? "" : `: train loss ${result.trainLoss.toFixed(4)}`;
      ctx.stdout.write(`trained ${result.steps} steps, ${result.tokens} tokens in ${result.elapsedSeconds.toFixed(1)} s${train}${val}, ${Math.round(result.tokensPerSecond)} tokens/s\n`);
      if (result.checkpoint) ctx.stdout.write(`checkpoint: ${result.checkpoint}\n`);
    }
    return 0;
  },
};
