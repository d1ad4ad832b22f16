import * as tf from "@tensorflow/tfjs";
import { initBackend, LlamaModel, PRESETS } from "../../engine/model/index.ts";
import { accumulateGradients } from "../../engine/train/index.ts";
import { clippedGradientSum } from "./clipped-sum.ts";
await initBackend();
const B = Number(process.argv[2] ?? 64), T = Number(process.argv[3] ?? 64);
const model = LlamaModel.create({ ...PRESETS.tiny!, vocabSize: 512 }, { seed: 1 });
const toks = new Int32Array(B * (T + 1)).map(() => Math.floor(Math.random() * 512));
const cpu = (f: () => void) => { const c = process.cpuUsage(); f(); const d = process.cpuUsage(c); return (d.user + d.system) / 1000; };
for (let r = 0; r < 4; r++) {
  const np = cpu(() => { const t = tf.tensor2d(toks, [B, T + 1], "int32"); const g = accumulateGradients(model, [t]); t.dispose(); tf.dispose([...g.grads.values()]); });
  const res: string[] = [];
  for (const mode of ["auto", "ghost"] as const) res.push(mode + " " + cpu(() => { const c = clippedGradientSum(model, toks, B, 1, mode); tf.dispose([...c.grads.values()]); }).toFixed(0));
  const d0 = cpu(() => { const c = clippedGradientSum(model, toks, B, 1, "direct", 0); tf.dispose([...c.grads.values()]); }).toFixed(0);
  console.log(`cpu ms: nonprivate ${np.toFixed(0)} ${res.join(" ")} direct-nokeep ${d0}`);
}
