// `llmos data scrub <in> <out> [--report report.json]`: privacy elimination of a .txt/.jsonl corpus,
// streamed in constant memory, with counts per entity type (never values) in the report.
import { writeFileAtomic } from "../../store/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { PseudonymMap, scrubFile, type ScrubOptions } from "../../privacy/pii/index.ts";
import { intFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";
import { analyzerFrom, operatorKey, operatorName } from "./pii-io.ts";

export const dataScrubCommand: Command = {
  path: ["data", "scrub"],
  summary: "Remove PII from a .txt or .jsonl corpus (streaming) and report counts per entity type",
  usage: [
    "llmos data scrub <in.txt|in.jsonl> <out> [--report report.json] [--operator replace|redact|mask|hash|encrypt|pseudonymize]",
    "                 [--keep-last N] [--key-file FILE] [--config analyzer.json|yaml] [--threshold T] [--entities A,B]",
    "  .jsonl: every string value of each object is scrubbed; keys and other values stay.",
  ].join("\n"),
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, {
      report: { type: "string" },
      operator: { type: "string" },
      "keep-last": { type: "string" },
      "key-file": { type: "string" },
      config: { type: "string" },
      threshold: { type: "string" },
      entities: { type: "string" },
    });
    const [input, output, ...extra] = positionals;
    if (!input || !output || extra.length) throw new InvalidArgumentError("arguments", "give an input and an output file: llmos data scrub <in> <out>");
    if (input === output) throw new InvalidArgumentError("out", "must differ from the input file");
    const op = operatorName(values.operator);
    const key = operatorKey(op, values["key-file"]);
    const keepLast = intFlag("keep-last", values["keep-last"], 0);
    const options: ScrubOptions = {
      analyzer: analyzerFrom(values),
      operators: { DEFAULT: { type: op, ...(keepLast !== undefined ? { keepLast } : {}) } },
      ...(op === "pseudonymize" || op === "replace" ? {} : { pseudonyms: new PseudonymMap() }),
      ...(op === "hash" ? { hashKey: key } : {}),
      ...(op === "encrypt" ? { encryptKey: key } : {}),
    };
    const report = await scrubFile(input, output, options);
    const summary = { input, output, operator: op, ...report };
    if (values.report) await writeFileAtomic(values.report, `${JSON.stringify(summary, null, 2)}\n`);
    const total = Object.values(report.entities).reduce((a, b) => a + b, 0);
    ctx.stdout.write(`scrubbed ${report.lines} lines (${total} findings: ${Object.entries(report.entities).map(([t, n]) => `${t} ${n}`).join(", ") || "none"}) → ${output}\n`);
    return 0;
  },
};
