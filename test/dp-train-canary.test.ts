// Privacy in practice, small: the Secret Sharer canary (Carlini et al. 2019) planted 4 times in a
// corpus, the tiny model trained briefly without DP (the engine's trainer) and with DP at ε = 8 on
// the same data and steps; the non-private model ranks the canary high, the DP model does not.
// Seeded randomness makes the run reproducible; the full-size comparison is bench/dp-train.ts.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { trainBpe } from "../src/engine/tokenizer/index.ts";
import { runCanaryExperiment } from "../src/learning/dp/index.ts";
import { RandomSource } from "../src/privacy/dp/index.ts";
import { sotuText } from "./helpers/corpus.ts";
import { tempDir } from "./helpers/tmp.ts";

test("canary exposure: non-private high, DP at ε = 8 lower", async () => {
  const dir = tempDir("llmos-dp-canary-");
  const text = sotuText(400_000);
  const tokenizer = trainBpe([text.slice(200_000)], { vocabSize: 512 });
  const tokenizerPath = join(dir, "tok.json");
  await tokenizer.save(tokenizerPath);
  const r = await runCanaryExperiment({
    dir, text: text.slice(0, 16_000), tokenizerPath, tokenizer, config: "tiny", seqLen: 32, batchSize: 16, steps: 100, lr: 6e-3,
    repeats: 4, candidates: 200, epsilon: 8, delta: 1e-5, clip: 1, rng: RandomSource.seededForTests("canary-test"),
  });
  assert.ok(r.epsilon <= 8 && r.epsilon > 7, `ε ${r.epsilon}`);
  assert.equal(r.candidates, 200);
  // log2(200) ≈ 7.6 is the most a rank-1 canary can show; chance is about 1.
  assert.ok(r.exposure_nonprivate >= 3.5, `non-private exposure ${r.exposure_nonprivate}`);
  assert.ok(r.exposure_dp < r.exposure_nonprivate - 1, `DP exposure ${r.exposure_dp} vs ${r.exposure_nonprivate}`);
  assert.ok(Number.isFinite(r.ppl_dp) && Number.isFinite(r.ppl_nonprivate));
});
