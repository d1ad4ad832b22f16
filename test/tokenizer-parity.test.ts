// The native BPE tokenizer and llama.cpp's gpt2 tokenizer (reading our GGUF) must give identical ids.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { exportLlamaGguf } from "../src/engine/gguf/index.ts";
import { PRESETS, tensorShapes, type LlamaConfig } from "../src/engine/model/index.ts";
import { parityCorpus, trainBpe } from "../src/engine/tokenizer/index.ts";
import { LlamaCppModel } from "../src/runtime/index.ts";
import { sotuText } from "./helpers/corpus.ts";
import { tempDir } from "./helpers/tmp.ts";

test("tokenizer parity with llama.cpp on ≥ 10,000 diverse lines", async () => {
  const dir = tempDir();
  // Train on English plus multilingual lines so that merges inside multi-byte characters get exercised too.
  const tokenizer = trainBpe([sotuText(1_500_000), ...parityCorpus(3000, 7)], { vocabSize: 4096 });
  const config: LlamaConfig = { ...PRESETS.tiny!, vocabSize: tokenizer.vocabSize, dim: 32, nHeads: 2, nKvHeads: 1, ffnDim: 32, nLayers: 1 };
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of tensorShapes(config)) weights.set(name, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.01));
  const path = join(dir, "tok.gguf");
  await exportLlamaGguf({ path, config, weights, vocab: tokenizer, type: "f32", name: "tokenizer-parity" });

  const model = await LlamaCppModel.load(path);
  try {
    const lines = [...parityCorpus(10_000, 12345), ...sotuText(200_000).split("\n").slice(0, 500)];
    assert.ok(lines.length >= 10_000);
    let mismatches = 0;
    const examples: string[] = [];
    for (const line of lines) {
      const ours = tokenizer.encode(line);
      const theirs = model.tokenize(line);
      if (ours.length !== theirs.length || ours.some((id, i) => id !== theirs[i])) {
        mismatches++;
        if (examples.length < 5) examples.push(`${JSON.stringify(line)}\n  ours:   ${ours.join(",")}\n  llama:  ${theirs.join(",")}`);
      }
      assert.equal(tokenizer.decode(ours), line, "decode(encode(line)) must be the identity");
    }
    assert.equal(mismatches, 0, `${mismatches} of ${lines.length} lines differ, e.g.\n${examples.join("\n")}`);
  } finally {
    await model.dispose();
  }
});
