// LoRA export parity: the adapted native model, the merged GGUF in llama.cpp, and the base GGUF with
// the GGUF LoRA adapter applied by llama.cpp (node-llama-cpp) give the same logits.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
import { exportLlamaGguf } from "../src/engine/gguf/index.ts";
import { embedding, initBackend, LlamaModel, PRESETS } from "../src/engine/model/index.ts";
import { trainBpe } from "../src/engine/tokenizer/index.ts";
import { exportLoraGguf, hidden, loadLora, LoraAdapters, saveLora } from "../src/learning/dp/index.ts";
import { sotuText } from "./helpers/corpus.ts";
import { tempDir } from "./helpers/tmp.ts";

async function llamaCppLogits(modelPath: string, tokens: number[], V: number, lora?: string): Promise<Float32Array[]> {
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, progressLogs: false });
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  try {
    const ctx = await model.createContext({
      contextSize: 64, threads: 1, flashAttention: false, experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
      ...(lora ? { lora: { adapters: [{ filePath: lora }] } } : {}),
    });
    const seq = ctx.getSequence();
    const out = await seq.controlledEvaluate(tokens.map((t) => [t as never, { generateNext: { logits: true } }]));
    return out.map((item) => {
      const row = new Float32Array(V);
      for (const [tok, v] of item!.next!.logits!) row[Number(tok)] = v;
      return row;
    });
  } finally {
    await model.dispose();
  }
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let d = 0;
  a.forEach((row, i) => row.forEach((v, j) => (d = Math.max(d, Math.abs(v - b[i]![j]!)))));
  return d;
}

test("LoRA adapter GGUF on the base equals the merged GGUF and the native adapted model", async () => {
  await initBackend();
  const dir = tempDir("llmos-dp-lora-");
  const tokenizer = trainBpe([sotuText(30_000)], { vocabSize: 300 });
  const config = { ...PRESETS.tiny!, vocabSize: tokenizer.vocabSize };
  const model = LlamaModel.create(config, { seed: 4 });
  const adapters = new LoraAdapters(model, { rank: 4, alpha: 8, seed: 6 });
  try {
    for (const [name, v] of adapters.params) if (name.endsWith(".lora_b")) v.assign(tf.randomNormal(v.shape, 0, 0.2, "float32", 8));
    const basePath = join(dir, "base.gguf");
    const mergedPath = join(dir, "merged.gguf");
    const adapterPath = join(dir, "adapter.gguf");
    await exportLlamaGguf({ path: basePath, config, weights: model.weights(), vocab: tokenizer, type: "f32", name: "base" });
    await exportLlamaGguf({ path: mergedPath, config, weights: adapters.merged(model), vocab: tokenizer, type: "f32", name: "merged" });
    await saveLora(dir, adapters);
    await exportLoraGguf(adapterPath, await loadLora(dir));

    const tokens = tokenizer.encode("The state of the Union is strong, and the people are free.").slice(0, 16);
    const nativeT = tf.tidy(() => {
      const x0 = embedding(model.params.get("token_embd.weight")! as tf.Tensor2D, Int32Array.from(tokens));
      return tf.matMul(hidden(model, adapters.plainHooks(model), x0, 1, tokens.length), model.params.get("token_embd.weight")!, false, true);
    });
    const flat = nativeT.dataSync() as Float32Array;
    nativeT.dispose();
    const V = config.vocabSize;
    const native = tokens.map((_, i) => flat.slice(i * V, (i + 1) * V));
    const base = model.logits(tokens);
    assert.ok(maxDiff(native, base) > 1e-2, "the adapters change the logits");

    const merged = await llamaCppLogits(mergedPath, tokens, V);
    const withAdapter = await llamaCppLogits(basePath, tokens, V, adapterPath);
    assert.ok(maxDiff(merged, native) < 2e-3, `merged GGUF vs native: ${maxDiff(merged, native)}`);
    assert.ok(maxDiff(withAdapter, native) < 2e-3, `base + adapter GGUF vs native: ${maxDiff(withAdapter, native)}`);
  } finally {
    adapters.dispose();
    model.dispose();
  }
});
