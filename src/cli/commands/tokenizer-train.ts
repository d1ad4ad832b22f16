// `llmos tokenizer train`: learns a byte-level BPE vocabulary from text files.
import { readFile } from "node:fs/promises";
import { InvalidArgumentError, NotFoundError } from "../../errors/index.ts";
import { trainBpe } from "../../engine/tokenizer/index.ts";
import { intFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

export const tokenizerTrainCommand: Command = {
  path: ["tokenizer", "train"],
  summary: "Train a byte-level BPE tokenizer (GPT-2 style) on text files",
  usage: "llmos tokenizer train --input <files...> --vocab-size N --out tok.json",
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, {
      input: { type: "string", multiple: true },
      "vocab-size": { type: "string" },
      out: { type: "string" },
    });
    const inputs = [...(values.input ?? []), ...positionals];
    if (inputs.length === 0) throw new InvalidArgumentError("--input", "give at least one text file");
    if (!values.out) throw new InvalidArgumentError("--out", "give the path of the tokenizer JSON to write");
    const vocabSize = intFlag("vocab-size", values["vocab-size"], 257) ?? 4096;
    const texts: string[] = [];
    for (const file of inputs) {
      try {
        texts.push(await readFile(file, "utf8"));
      } catch {
        throw new NotFoundError("input file", file, "check the path");
      }
    }
    if (texts.every((t) => t.length === 0)) throw new InvalidArgumentError("--input", "the input files are empty");
    const started = performance.now();
    const tokenizer = trainBpe(texts, { vocabSize });
    await tokenizer.save(values.out);
    const seconds = (performance.now() - started) / 1000;
    ctx.stderr.write(`trained ${tokenizer.vocabSize} tokens (${tokenizer.merges.length} merges) in ${seconds.toFixed(1)} s → ${values.out}\n`);
    return 0;
  },
};
