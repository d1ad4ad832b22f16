import * as tf from "@tensorflow/tfjs";
import { initBackend, LlamaModel, PRESETS } from "../../engine/model/index.ts";
import { tappedPass, disposeTaps, shiftTokens } from "./forward.ts";
import { perExampleSquaredNorms } from "./norms.ts";
await initBackend();
const B = 64, T = 64;
const model = LlamaModel.create({ ...PRESETS.tiny!, vocabSize: 512 }, { seed: 1 });
const toks = new Int32Array(B * (T + 1)).map(() => Math.floor(Math.random() * 512));
const { taps } = tappedPass(model, toks, B, T + 1);
const { inputs } = shiftTokens(toks, B, T + 1);
for (let r = 0; r < 3; r++) {
  const all = { ...taps };
  let a = performance.now();
  perExampleSquaredNorms({ ...taps, linears: [] }, inputs, { B, T }, true, "direct");
  const headOnly = performance.now() - a;
  a = performance.now();
  perExampleSquaredNorms(taps, inputs, { B, T }, true, "direct");
  console.log("head+gains", headOnly.toFixed(1), "all", (performance.now() - a).toFixed(1));
  for (const l of taps.linears) {
    a = performance.now();
    perExampleSquaredNorms({ ...taps, linears: [l] }, inputs, { B, T }, true, "direct");
    console.log("  ", l.names.join(","), (performance.now() - a - headOnly).toFixed(1));
  }
}
