import * as tf from "@tensorflow/tfjs";
import { initBackend, LlamaModel, PRESETS } from "../../engine/model/index.ts";
import { tappedPass, disposeTaps, shiftTokens } from "./forward.ts";
import { perExampleSquaredNorms } from "./norms.ts";
await initBackend();
const B = 64, T = 64;
const model = LlamaModel.create({ ...PRESETS.tiny!, vocabSize: 512 }, { seed: 1 });
const toks = new Int32Array(B * (T + 1)).map(() => Math.floor(Math.random() * 512));
for (let r = 0; r < 3; r++) {
  let t0 = performance.now();
  const { taps } = tappedPass(model, toks, B, T + 1);
  const t1 = performance.now();
  const { inputs } = shiftTokens(toks, B, T + 1);
  for (const mode of ["direct", "ghost"] as const) {
    const a = performance.now();
    perExampleSquaredNorms(taps, inputs, { B, T }, true, mode);
    console.log(mode, (performance.now() - a).toFixed(1));
  }
  console.log("pass", (t1 - t0).toFixed(1));
  disposeTaps(taps);
}
