// The canary experiment behind the exposure evidence: plant one random secret k times in a corpus,
// train the same model on the same data for the same steps without DP (the engine's trainer) and
// with DP (trainDp), and measure each model's exposure of the secret and validation perplexity.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { LlamaModel } from "../../engine/model/index.ts";
import type { BpeTokenizer } from "../../engine/tokenizer/index.ts";
import { loadCheckpoint, train } from "../../engine/train/index.ts";
import { RandomSource } from "../../privacy/dp/index.ts";
import { canaryExposure, randomSecret } from "./exposure.ts";
import { trainDp } from "./train.ts";

export interface CanaryExperiment {
  dir: string;
  /** Public filler text the canary is mixed into. */
  text: string;
  /** Saved tokenizer (fitted on other, public text). */
  tokenizerPath: string;
  tokenizer: BpeTokenizer;
  config: string;
  seqLen: number;
  batchSize: number;
  steps: number;
  lr: number;
  repeats: number;
  candidates: number;
  epsilon: number;
  delta: number;
  clip: number;
  /** FOR TESTS: seeded randomness (canary choice and DP noise). */
  rng?: RandomSource;
}

export interface CanaryResult {
  secret_digits: number;
  repeats: number;
  candidates: number;
  exposure_nonprivate: number;
  exposure_dp: number;
  ppl_nonprivate: number;
  ppl_dp: number;
  epsilon: number;
  delta: number;
  noise_multiplier: number;
  sampling_rate: number;
  steps: number;
  nonprivate_seconds: number;
  dp_seconds: number;
}

const PREFIX = "The secret code of the vault is";

export async function runCanaryExperiment(x: CanaryExperiment): Promise<CanaryResult> {
  const rng = x.rng ?? RandomSource.secure();
  const digits = 6;
  const secret = randomSecret(rng, digits);
  const others = new Set<string>();
  while (others.size < x.candidates - 1) {
    const s = randomSecret(rng, digits);
    if (s !== secret) others.add(s);
  }
  // The canary goes in at evenly spaced paragraph breaks, k times.
  const paras = x.text.split("\n\n");
  const every = Math.max(1, Math.floor(paras.length / x.repeats));
  const parts: string[] = [];
  let planted = 0;
  paras.forEach((p, i) => {
    parts.push(p);
    if (i % every === 0 && planted < x.repeats) {
      parts.push(`${PREFIX} ${secret}.`);
      planted++;
    }
  });
  while (planted++ < x.repeats) parts.push(`${PREFIX} ${secret}.`);
  const corpus = join(x.dir, "corpus.txt");
  writeFileSync(corpus, parts.join("\n\n"));

  const t0 = performance.now();
  await train({
    data: [corpus], config: x.config, tokenizer: x.tokenizerPath, out: join(x.dir, "plain"), maxSteps: x.steps, batchSize: x.batchSize,
    seqLen: x.seqLen, lr: x.lr, warmupSteps: 0, evalEvery: x.steps, evalBatches: 4, checkpointEvery: x.steps, seed: 1, weightDecay: 0,
  });
  const t1 = performance.now();
  const dp = await trainDp({
    data: [corpus], config: x.config, tokenizer: x.tokenizerPath, out: join(x.dir, "dp"), maxSteps: x.steps, batchSize: x.batchSize,
    seqLen: x.seqLen, lr: x.lr, epsilon: x.epsilon, delta: x.delta, clip: x.clip, seed: 1, evalBatches: 4, ...(x.rng ? { rng: x.rng } : {}),
  });
  const t2 = performance.now();
  const plain = await loadCheckpoint(join(x.dir, "plain"));
  const dpck = await loadCheckpoint(join(x.dir, "dp"));
  const mPlain = LlamaModel.fromWeights(plain.config, plain.weights);
  const mDp = LlamaModel.fromWeights(dpck.config, dpck.weights);
  try {
    const list = [...others];
    const ePlain = canaryExposure(mPlain, x.tokenizer, PREFIX, secret, list);
    const eDp = canaryExposure(mDp, x.tokenizer, PREFIX, secret, list);
    return {
      secret_digits: digits, repeats: x.repeats, candidates: ePlain.candidates,
      exposure_nonprivate: ePlain.exposure, exposure_dp: eDp.exposure,
      ppl_nonprivate: Math.exp(plain.state.lastValLoss ?? NaN), ppl_dp: dp.valPerplexity,
      epsilon: dp.epsilon, delta: x.delta, noise_multiplier: dp.plan.noiseMultiplier, sampling_rate: dp.plan.samplingRate, steps: dp.steps,
      nonprivate_seconds: (t1 - t0) / 1000, dp_seconds: (t2 - t1) / 1000,
    };
  } finally {
    mPlain.dispose();
    mDp.dispose();
  }
}
