// How a site's update enters the secure sum and how the coordinator reads the sum back: the update is
// L2-clipped, scaled by the site's FedAvg weight w = min(1, examples / cap), and w itself rides along
// as one extra coordinate, so Σ wΔ / Σ w is the weighted mean although no single update is seen.
import { RandomSource, gaussianNoiseFloat32 } from "../../privacy/dp/index.ts";
import { dequantize, quantize, type Quantization } from "../secagg/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import { clipL2 } from "./vector.ts";

export interface SecureEncoding extends Quantization {
  clip: number;
  examplesCap: number;
  /** Client-level DP: every site weighs 1, so one site changes the sum by at most `clip`. */
  uniformWeights: boolean;
  /** Distributed DP: std of the Gaussian noise this site adds to its clipped update (0 = none). */
  noiseStd?: number;
}

export function encodeSecureUpdate(delta: Float32Array, examples: number, e: SecureEncoding): Uint32Array {
  const w = e.uniformWeights ? 1 : Math.min(1, examples / e.examplesCap);
  const clipped = clipL2(delta, e.clip);
  const v = new Float32Array(delta.length + 1);
  for (let i = 0; i < delta.length; i++) v[i] = clipped[i]! * w;
  // Distributed DP: the sum of n such shares carries N(0, n·std²); the weight coordinate stays exact.
  if (e.noiseStd) gaussianNoiseFloat32(RandomSource.secure(), v.subarray(0, delta.length), e.noiseStd);
  v[delta.length] = w;
  return quantize(v, e);
}

export interface DecodedSum {
  /** Σ w_k Δ_k. */
  sum: Float32Array;
  /** Σ w_k. */
  weight: number;
}

export function decodeSecureSum(sum: Uint32Array, e: Quantization): DecodedSum {
  const d = dequantize(sum, e);
  const weight = d[d.length - 1]!;
  if (!(weight > 0)) throw new InvalidArgumentError("aggregate", "the total weight of the surviving sites is zero");
  return { sum: Float32Array.from(d.subarray(0, d.length - 1)), weight };
}
