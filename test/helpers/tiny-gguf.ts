// A small real model for tests: tiny preset, briefly trained on State of the Union text, exported as GGUF.
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { exportLlamaGguf, type GgufTensorType } from "../../src/engine/gguf/index.ts";
import { initBackend, LlamaModel, PRESETS } from "../../src/engine/model/index.ts";
import { BpeTokenizer, trainBpe } from "../../src/engine/tokenizer/index.ts";
import { sotuText } from "./corpus.ts";

export interface TinyModel {
  model: LlamaModel;
  tokenizer: BpeTokenizer;
}

export async function trainTiny(steps: number, seed = 3): Promise<TinyModel> {
  await initBackend();
  const text = sotuText(400_000);
  const tokenizer = trainBpe([text], { vocabSize: 512 });
  const model = LlamaModel.create({ ...PRESETS.tiny!, vocabSize: tokenizer.vocabSize }, { seed });
  const ids = tokenizer.encode(text);
  const T = 64, B = 8;
  const optimizer = tf.train.adam(3e-3);
  const vars = [...model.params.values()];
  for (let step = 0; step < steps; step++) {
    const rows: number[][] = [];
    for (let b = 0; b < B; b++) {
      const start = ((step * B + b) * 997) % (ids.length - T - 1);
      rows.push(ids.slice(start, start + T + 1));
    }
    const batch = tf.tensor2d(rows, [B, T + 1], "int32");
    optimizer.minimize(() => model.loss(batch), false, vars);
    batch.dispose();
  }
  optimizer.dispose();
  return { model, tokenizer };
}

export async function writeTinyGguf(dir: string, tiny: TinyModel, type: GgufTensorType = "f32"): Promise<string> {
  const path = join(dir, `tiny-${type}.gguf`);
  await exportLlamaGguf({ path, config: tiny.model.config, weights: tiny.model.weights(), vocab: tiny.tokenizer, type, name: "tiny" });
  return path;
}
