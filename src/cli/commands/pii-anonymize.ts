// `llmos pii anonymize --operator replace|redact|mask|hash|encrypt|pseudonymize`: stdin → stdout.
import { InvalidArgumentError } from "../../errors/index.ts";
import { anonymize, PseudonymMap, type AnonymizeOptions } from "../../privacy/pii/index.ts";
import { intFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";
import { analyzerFrom, inputStream, jsonlTexts, operatorKey, operatorName, readAll, type PiiCommandContext } from "./pii-io.ts";

export const piiAnonymizeCommand: Command = {
  path: ["pii", "anonymize"],
  summary: "Anonymize PII in text from stdin with one operator",
  usage: [
    "llmos pii anonymize [--operator replace|redact|mask|hash|encrypt|pseudonymize|keep] [--keep-last N]",
    "                    [--key-file FILE] [--jsonl] [--input FILE] [--config analyzer.json|yaml] [--threshold T]",
    "  hash and encrypt need a 32-byte key: --key-file (raw or 64 hex characters) or LLMOS_PII_KEY.",
    '  --jsonl: one {"text": "..."} per line in, one {"text": "...", "items": [...]} per line out.',
    "  replace and pseudonymize are consistent over the whole input (the same value, the same stand-in).",
  ].join("\n"),
  async run(argv, ctx: PiiCommandContext) {
    const { values, positionals } = parseFlags(argv, {
      operator: { type: "string" },
      "keep-last": { type: "string" },
      "key-file": { type: "string" },
      jsonl: { type: "boolean" },
      input: { type: "string" },
      config: { type: "string" },
      threshold: { type: "string" },
      entities: { type: "string" },
    }, false);
    if (positionals.length) throw new InvalidArgumentError("arguments", "pii anonymize takes no positional arguments; pipe the text on stdin");
    const op = operatorName(values.operator);
    const key = operatorKey(op, values["key-file"]);
    const analyzer = analyzerFrom(values);
    const keepLast = intFlag("keep-last", values["keep-last"], 0);
    const options: AnonymizeOptions = {
      operators: { DEFAULT: { type: op, ...(keepLast !== undefined ? { keepLast } : {}) } },
      pseudonyms: new PseudonymMap(),
      ...(op === "hash" ? { hashKey: key } : {}),
      ...(op === "encrypt" ? { encryptKey: key } : {}),
    };
    const stream = inputStream(ctx, values.input);
    if (!values.jsonl) {
      const text = await readAll(stream);
      ctx.stdout.write(anonymize(text, analyzer.analyze(text), options).text);
      return 0;
    }
    for await (const text of jsonlTexts(stream)) {
      const r = anonymize(text, analyzer.analyze(text), options);
      ctx.stdout.write(`${JSON.stringify({ text: r.text, items: r.items })}\n`);
    }
    return 0;
  },
};
