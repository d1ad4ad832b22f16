// Renders models/default/MODEL_CARD.md from the card.json that `npm run train:default` writes.
// `node --import tsx scripts/model-card.ts` re-renders it from an existing card.json.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export type DefaultModelCard = any;

export function modelCard(c: DefaultModelCard): string {
  const t = c.training;
  const fmt = (x: number | null | undefined, digits = 2) => (x == null ? "n/a" : x.toFixed(digits));
  return `# llmos-default

The small model that LLMasOS ships so that \`npm start\` serves something real with no download.
It is a toy by design: ${(c.parameters / 1e6).toFixed(2)}M parameters trained for about an hour on one
CPU thread. It writes English in the style of a State of the Union address; it knows nothing
reliable and must not be used for decisions.

| | |
|---|---|
| architecture | llama (${c.config.nLayers} layers, width ${c.config.dim}, ${c.config.nHeads} heads / ${c.config.nKvHeads} KV heads, SwiGLU ${c.config.ffnDim}, RoPE θ ${c.config.ropeTheta}, tied embeddings) |
| parameters | ${c.parameters.toLocaleString("en-US")} |
| context | ${c.config.contextLength} tokens |
| file | \`model.gguf\`, ${c.gguf.type.toUpperCase()}, ${(c.gguf.bytes / 1e6).toFixed(1)} MB |
| tokenizer | ${c.tokenizer.kind}, ${c.tokenizer.vocabSize} tokens (${c.tokenizer.merges} merges), trained on the same corpus |
| data | ${c.data.source}; ${c.data.documents} files, ${(c.data.bytes / 1e6).toFixed(1)} MB; 5% of the packed sequences held out |
| training | ${t.steps} steps of ${t.hyperParams.batchSize} × ${t.hyperParams.seqLen} tokens = ${t.tokens.toLocaleString("en-US")} tokens; AdamW (β ${t.hyperParams.beta1}/${t.hyperParams.beta2}, weight decay ${t.hyperParams.weightDecay}), lr ${t.hyperParams.lr} with ${t.hyperParams.warmupSteps} warm-up steps and cosine decay to ${t.hyperParams.minLr}, gradient clipping ${t.hyperParams.clip}, seed ${t.hyperParams.seed} |
| validation | loss ${fmt(t.validationLoss, 4)}, perplexity ${fmt(t.validationPerplexity)} |
| training speed | ${fmt(t.tokensPerSecond, 0)} tokens/s on ${t.machine} |
| privacy | public-domain speeches; no personal data beyond public officials' names; no differential privacy |

Re-create it with \`npm run train:default\` (resumes from \`.llmos/train-default/\` if present;
\`--export-only\` re-exports the last checkpoint).

## Samples (temperature 0.7, top-k 40, top-p 0.95, seed 7)

${c.samples.map((s: { prompt: string; completion: string }) => `- **${s.prompt}**${s.completion.replace(/\s+/g, " ")}`).join("\n")}
`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const dir = process.argv[2] ?? "models/default";
  writeFileSync(join(dir, "MODEL_CARD.md"), modelCard(JSON.parse(readFileSync(join(dir, "card.json"), "utf8"))));
}
