// Client-level differential privacy, central model (McMahan et al. ICLR 2018, "Learning Differentially
// Private Recurrent Language Models", DP-FedAvg): each site's update is clipped to L2 norm C, and the
// coordinator adds N(0, (zC)² I) to the SUM of the clipped updates before dividing by the site count.
// Under secure aggregation the coordinator only ever sees that sum, so this is also where the noise goes.
import { randomBytes } from "node:crypto";
import { InvalidArgumentError } from "../../errors/index.ts";

/**
 * A standard normal from the CSPRNG by Box–Muller on 53-bit uniforms.
 * TODO(dp): swap for src/privacy/dp's floating-point-safe Gaussian sampler once it is exported; this
 * one is not hardened against Mironov-style floating-point attacks (CCS 2012).
 */
export function gaussianNoise(n: number): Float64Array {
  const out = new Float64Array(n);
  const buf = randomBytes(16 * Math.ceil(n / 2));
  for (let i = 0; i < n; i += 2) {
    const o = 16 * (i / 2);
    const u1 = (Number(buf.readBigUInt64BE(o) >> 11n) + 1) / 2 ** 53; // (0, 1]
    const u2 = Number(buf.readBigUInt64BE(o + 8) >> 11n) / 2 ** 53;
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** sum + N(0, (z·C)²) per coordinate, then / count: the DP-FedAvg estimate of the mean update. */
export function noisyMean(sum: Float32Array, count: number, clip: number, noiseMultiplier: number): Float32Array {
  if (!(count > 0)) throw new InvalidArgumentError("count", `must be positive, got ${count}`);
  if (!(noiseMultiplier >= 0) || !(clip > 0)) throw new InvalidArgumentError("dp", "noiseMultiplier must be ≥ 0 and clip > 0");
  const noise = gaussianNoise(sum.length);
  const std = noiseMultiplier * clip;
  const out = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = (sum[i]! + std * noise[i]!) / count;
  return out;
}
