// `llmos export <checkpoint> --type q8_0 --out model.gguf`: a trained checkpoint as a GGUF that llama.cpp serves.
import { existsSync } from "node:fs";
import { copyFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { MODEL_CARD } from "../../learning/dp/index.ts";
import { exportLlamaGguf, type GgufTensorType } from "../../engine/gguf/index.ts";
import { isSealedCheckpoint, loadCheckpoint } from "../../engine/train/index.ts";
import { checkpointSealer, withKernel } from "../../security/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { DATA_DIR_FLAG, dataDirFrom, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

const TYPES: readonly GgufTensorType[] = ["f32", "f16", "q8_0"];

export const exportCommand: Command = {
  path: ["export"],
  summary: "Export a training checkpoint as a GGUF file (f32, f16 or q8_0)",
  usage: "llmos export <checkpoint-dir> --out model.gguf [--type f32|f16|q8_0] [--name NAME] [--data-dir D]\n  <checkpoint-dir> is a training --out dir (its latest checkpoint) or one checkpoints/step-N dir.\n  A private (sealed) checkpoint is opened with the master key of --data-dir.",
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, {
      type: { type: "string" },
      out: { type: "string" },
      name: { type: "string" },
      ...DATA_DIR_FLAG,
    });
    const dir = positionals[0];
    if (!dir || positionals.length > 1) throw new InvalidArgumentError("checkpoint", "give exactly one checkpoint directory");
    if (!values.out) throw new InvalidArgumentError("--out", "give the GGUF file to write");
    const type = (values.type ?? "q8_0").toLowerCase() as GgufTensorType;
    if (!TYPES.includes(type)) throw new InvalidArgumentError("--type", `must be one of ${TYPES.join(", ")}, got '${values.type}'`);
    // A private checkpoint's tensors are sealed: open them with the data directory's master key.
    const ckpt = (await isSealedCheckpoint(dir))
      ? await withKernel(dataDirFrom(values["data-dir"]), (k) => loadCheckpoint(dir, checkpointSealer(k.cipher)))
      : await loadCheckpoint(dir);
    const name = values.name ?? basename(resolve(dir));
    await exportLlamaGguf({ path: values.out, config: ckpt.config, weights: ckpt.weights, vocab: ckpt.tokenizer, type, name });
    // A private checkpoint's guarantee travels with the model: its card goes next to the GGUF.
    const card = join(ckpt.dir, MODEL_CARD);
    if (existsSync(card)) await copyFile(card, join(dirname(resolve(values.out)), MODEL_CARD));
    ctx.stderr.write(`exported ${name} (${type}) → ${values.out}\n`);
    return 0;
  },
};
