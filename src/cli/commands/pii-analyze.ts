// `llmos pii analyze`: PII findings of the text on stdin, or of each {"text": ...} line with --jsonl.
import { InvalidArgumentError } from "../../errors/index.ts";
import { parseFlags } from "../args.ts";
import type { Command } from "../command.ts";
import { analyzerFrom, inputStream, jsonlTexts, readAll, type PiiCommandContext } from "./pii-io.ts";

export const piiAnalyzeCommand: Command = {
  path: ["pii", "analyze"],
  summary: "Detect PII in text from stdin (types, offsets, scores; never the values)",
  usage: [
    "llmos pii analyze [--jsonl] [--input FILE] [--config analyzer.json|yaml] [--threshold T] [--entities A,B]",
    '  plain: the whole input is one text; prints {"entities":[{"type","start","end","score"}]}.',
    '  --jsonl: one {"text": "..."} per line in, one {"entities": [...]} per line out, in order.',
  ].join("\n"),
  async run(argv, ctx: PiiCommandContext) {
    const { values, positionals } = parseFlags(argv, {
      jsonl: { type: "boolean" },
      input: { type: "string" },
      config: { type: "string" },
      threshold: { type: "string" },
      entities: { type: "string" },
    }, false);
    if (positionals.length) throw new InvalidArgumentError("arguments", "pii analyze takes no positional arguments; pipe the text on stdin");
    const analyzer = analyzerFrom(values);
    const stream = inputStream(ctx, values.input);
    if (!values.jsonl) {
      ctx.stdout.write(`${JSON.stringify({ entities: analyzer.analyze(await readAll(stream)) })}\n`);
      return 0;
    }
    for await (const text of jsonlTexts(stream)) ctx.stdout.write(`${JSON.stringify({ entities: analyzer.analyze(text) })}\n`);
    return 0;
  },
};
