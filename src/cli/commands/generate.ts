// `llmos generate <model.gguf> "prompt"`: text generation through llama.cpp, streamed to stdout.
import { InvalidArgumentError } from "../../errors/index.ts";
import { LlamaCppModel } from "../../runtime/index.ts";
import { intFlag, numberFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

export const generateCommand: Command = {
  path: ["generate"],
  summary: "Generate text from a GGUF model with llama.cpp (streams to stdout)",
  usage: [
    'llmos generate <model.gguf> "prompt" [--max-tokens N] [--temperature T] [--top-k K] [--top-p P]',
    "                [--seed N] [--stop STRING]... [--json]",
    "  --temperature 0 is greedy (the default is 0.8); --stop may be repeated; --json prints one JSON object at the end.",
  ].join("\n"),
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, {
      "max-tokens": { type: "string" },
      temperature: { type: "string" },
      "top-k": { type: "string" },
      "top-p": { type: "string" },
      seed: { type: "string" },
      stop: { type: "string", multiple: true },
      json: { type: "boolean" },
    });
    const [path, prompt, ...extra] = positionals;
    if (!path) throw new InvalidArgumentError("model", "give a GGUF file: llmos generate <model.gguf> \"prompt\"");
    if (prompt === undefined || prompt === "") throw new InvalidArgumentError("prompt", "give a non-empty prompt after the model file");
    if (extra.length) throw new InvalidArgumentError("arguments", `unexpected extra argument(s); quote the prompt`);
    const options = {
      maxTokens: intFlag("max-tokens", values["max-tokens"], 1) ?? 128,
      temperature: numberFlag("temperature", values.temperature) ?? 0.8,
      ...(values["top-k"] !== undefined ? { topK: intFlag("top-k", values["top-k"], 0)! } : {}),
      ...(values["top-p"] !== undefined ? { topP: numberFlag("top-p", values["top-p"])! } : {}),
      ...(values.seed !== undefined ? { seed: intFlag("seed", values.seed, 0)! } : {}),
      ...(values.stop ? { stop: values.stop } : {}),
    };
    const model = await LlamaCppModel.load(path);
    try {
      let text = "";
      const started = performance.now();
      for await (const part of model.stream(prompt, options)) {
        if (part.type === "text-delta") {
          text += part.text;
          if (!values.json) ctx.stdout.write(part.text);
        } else if (part.type === "error") {
          throw part.error;
        } else {
          const seconds = (performance.now() - started) / 1000;
          if (values.json) {
            ctx.stdout.write(`${JSON.stringify({ text, finish_reason: part.finishReason, usage: { prompt_tokens: part.usage.promptTokens, completion_tokens: part.usage.completionTokens }, seconds })}\n`);
          } else {
            ctx.stdout.write("\n");
            ctx.stderr.write(`[${part.usage.completionTokens} tokens, ${(part.usage.completionTokens / seconds).toFixed(1)} tokens/s, finish: ${part.finishReason}]\n`);
          }
        }
      }
      return 0;
    } finally {
      await model.dispose();
    }
  },
};
