import * as tf from "@tensorflow/tfjs";
import { initBackend, LlamaModel, PRESETS } from "../../engine/model/index.ts";
import { tappedPass, disposeTaps, shiftTokens } from "./forward.ts";
import { perExampleNorms } from "./norms.ts";
await initBackend();
const B = 64, T = 64;
const model = LlamaModel.create({ ...PRESETS.tiny!, vocabSize: 512 }, { seed: 1 });
const toks = new Int32Array(B * (T + 1)).map(() => Math.floor(Math.random() * 512));
const cpu = (f: () => void) => { const c = process.cpuUsage(); f(); const d = process.cpuUsage(c); return (d.user + d.system) / 1000; };
const { inputs } = shiftTokens(toks, B, T + 1);
const free = (pe: ReturnType<typeof perExampleNorms>) => tf.dispose([...pe.linears.filter((x): x is tf.Tensor2D => !!x), ...(pe.head ? [pe.head] : [])]);
for (let r = 0; r < 3; r++) {
  let taps: ReturnType<typeof tappedPass>["taps"];
  const pass = cpu(() => { taps = tappedPass(model, toks, B, T + 1).taps; });
  const headOnly = cpu(() => free(perExampleNorms({ ...taps!, linears: [] }, inputs, { B, T }, true)));
  const headUntied = cpu(() => free(perExampleNorms({ ...taps!, linears: [] }, inputs, { B, T }, false)));
  const per = taps!.linears.map((l) => cpu(() => free(perExampleNorms({ ...taps!, linears: [l] }, inputs, { B, T }, false))) - headUntied);
  console.log(`pass ${pass.toFixed(0)} head-tied+gains ${headOnly.toFixed(0)} head-untied ${headUntied.toFixed(0)} linears ${per.map((x) => x.toFixed(0)).join(" ")}`);
  disposeTaps(taps!);
}
