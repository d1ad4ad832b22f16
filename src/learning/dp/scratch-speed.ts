import * as tf from "@tensorflow/tfjs";
import { initBackend, LlamaModel, PRESETS } from "../../engine/model/index.ts";
import { accumulateGradients } from "../../engine/train/index.ts";
import { clippedGradientSum } from "./index.ts";
await initBackend();
const B = Number(process.argv[2] ?? 64), T = Number(process.argv[3] ?? 64);
const model = LlamaModel.create({ ...PRESETS.tiny!, vocabSize: 512 }, { seed: 1 });
const toks = new Int32Array(B * (T + 1)).map(() => Math.floor(Math.random() * 512));
function time(name: string, f: () => void, reps = 3) {
  f();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  console.log(name, ((performance.now() - t0) / reps).toFixed(1), "ms");
}
time("nonprivate", () => { const t = tf.tensor2d(toks, [B, T + 1], "int32"); const r = accumulateGradients(model, [t]); t.dispose(); tf.dispose([...r.grads.values()]); });
for (const mode of ["auto", "direct", "ghost"] as const) time("dp " + mode, () => { const r = clippedGradientSum(model, toks, B, 1, mode); tf.dispose([...r.grads.values()]); });
console.log(tf.memory().numTensors);
