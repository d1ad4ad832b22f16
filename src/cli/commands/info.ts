// `llmos info <file.gguf>`: metadata of any GGUF file.
import { describeGguf, readGguf } from "../../engine/gguf/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

export const infoCommand: Command = {
  path: ["info"],
  summary: "Print the metadata and tensor summary of a GGUF file",
  usage: "llmos info <file.gguf> [--json]",
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, { json: { type: "boolean" } });
    const path = positionals[0];
    if (!path || positionals.length > 1) throw new InvalidArgumentError("file", "give exactly one GGUF file");
    const file = await readGguf(path);
    if (values.json) {
      const metadata: Record<string, unknown> = {};
      for (const [k, v] of file.metadata) {
        const value = v.type === "array" && v.value.length > 16 ? `[${v.value.length} items]` : v.value;
        metadata[k] = typeof value === "bigint" ? value.toString() : value;
      }
      const tensors = file.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.typeName, bytes: t.byteLength }));
      ctx.stdout.write(`${JSON.stringify({ path: file.path, version: file.version, size: file.fileSize, metadata, tensors }, (_k, x) => (typeof x === "bigint" ? x.toString() : x))}\n`);
    } else {
      ctx.stdout.write(`${describeGguf(file)}\n`);
    }
    return 0;
  },
};
