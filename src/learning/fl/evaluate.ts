// Next-token accuracy of a flat global model on held-out sequences (the metric of McMahan et al.
// 2017's Shakespeare experiments), via the native engine's full forward pass.
import { LlamaModel, initBackend, type LlamaConfig } from "../../engine/model/index.ts";
import { modelLayout } from "./local-train.ts";
import { unflattenWeights } from "./vector.ts";

export async function nextTokenAccuracy(config: LlamaConfig, global: Float32Array, sequences: Int32Array[]): Promise<number> {
  await initBackend();
  const model = LlamaModel.fromWeights(config, unflattenWeights(global, modelLayout(config)));
  try {
    let hit = 0;
    let total = 0;
    for (const seq of sequences) {
      const input = Array.from(seq.subarray(0, seq.length - 1));
      const logits = model.logits(input);
      logits.forEach((row, t) => {
        let best = 0;
        for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
        if (best === seq[t + 1]) hit++;
        total++;
      });
    }
    return hit / total;
  } finally {
    model.dispose();
  }
}
