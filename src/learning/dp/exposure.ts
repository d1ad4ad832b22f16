// Canary exposure (Carlini et al. 2019, "The Secret Sharer", §4): a canary "prefix + secret" is
// planted in the training data; after training, every candidate secret of the same format is ranked
// by the model's log-perplexity given the prefix. exposure = log2 |R| − log2 rank(canary): about
// log2 |R| when the model memorised the canary, near 1 (rank ≈ |R|/2) when it did not.
import * as tf from "@tensorflow/tfjs";
import type { LlamaModel } from "../../engine/model/index.ts";
import type { TokenEncoder } from "../../engine/train/index.ts";
import type { RandomSource } from "../../privacy/dp/index.ts";
import { batchLogits } from "./forward.ts";

/** A random secret of `digits` space-separated decimal digits, e.g. "3 8 1 4 9 2". */
export function randomSecret(rng: RandomSource, digits: number): string {
  return Array.from({ length: digits }, () => String(rng.below(10))).join(" ");
}

/** −log p(secret | prefix) in nats, for each secret (all must tokenize to the same length). */
function secretLosses(model: LlamaModel, prefix: number[], secrets: number[][]): number[] {
  const L = prefix.length + secrets[0]!.length;
  const V = model.config.vocabSize;
  const out: number[] = [];
  const chunk = 64;
  for (let s = 0; s < secrets.length; s += chunk) {
    const part = secrets.slice(s, s + chunk);
    const B = part.length;
    const inputs = new Int32Array(B * (L - 1));
    part.forEach((sec, b) => inputs.set([...prefix, ...sec].slice(0, L - 1), b * (L - 1)));
    const lp = tf.tidy(() => tf.logSoftmax(batchLogits(model, inputs, B, L - 1)));
    const buf = lp.dataSync() as Float32Array;
    lp.dispose();
    part.forEach((sec, b) => {
      let nll = 0;
      for (let j = 0; j < sec.length; j++) {
        const pos = prefix.length - 1 + j; // the logits at pos predict token pos + 1
        nll -= buf[(b * (L - 1) + pos) * V + sec[j]!]!;
      }
      out.push(nll);
    });
  }
  return out;
}

export interface ExposureResult {
  exposure: number;
  rank: number;
  candidates: number;
  canaryLoss: number;
}

/**
 * Exposure of `secret` among itself and `others` (distinct secrets of the same format). Ties
 * count half, so a model that scores every candidate alike gets rank ≈ |R|/2.
 */
export function canaryExposure(model: LlamaModel, tokenizer: TokenEncoder, prefix: string, secret: string, others: string[]): ExposureResult {
  const p = tokenizer.encode(prefix);
  const encoded = [secret, ...others].map((s) => tokenizer.encode(` ${s}`));
  const len = encoded[0]!.length;
  const same = encoded.filter((e) => e.length === len);
  const losses = secretLosses(model, p, same);
  const canary = losses[0]!;
  let better = 0;
  let ties = 0;
  for (let i = 1; i < losses.length; i++) {
    if (losses[i]! < canary) better++;
    else if (losses[i] === canary) ties++;
  }
  const rank = 1 + better + ties / 2;
  return { exposure: Math.log2(losses.length) - Math.log2(rank), rank, candidates: losses.length, canaryLoss: canary };
}
