// Client-level differential privacy, central model (McMahan et al. ICLR 2018, "Learning Differentially
// Private Recurrent Language Models", DP-FedAvg): each site's update is clipped to L2 norm C, and the
// coordinator adds N(0, (zC)² I) to the SUM of the clipped updates before dividing by the site count.
// Under secure aggregation the coordinator only ever sees that sum, so this is also where the noise goes.
// The privacy loss over rounds is tracked by src/privacy/dp's RDP accountant.
import { RandomSource, RdpAccountant, gaussianNoiseFloat32, rdpEpsilon } from "../../privacy/dp/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";

/** sum + N(0, (z·C)²) per coordinate, then / count: the DP-FedAvg estimate of the mean update. */
export function noisyMean(sum: Float32Array, count: number, clip: number, noiseMultiplier: number): Float32Array {
  if (!(count > 0)) throw new InvalidArgumentError("count", `must be positive, got ${count}`);
  if (!(noiseMultiplier >= 0) || !(clip > 0)) throw new InvalidArgumentError("dp", "noiseMultiplier must be ≥ 0 and clip > 0");
  // The floating-point-hardened sampler of src/privacy/dp (sum of four Box–Muller normals, CSPRNG).
  const out = gaussianNoiseFloat32(RandomSource.secure(), new Float32Array(sum), noiseMultiplier * clip);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / count;
  return out;
}

export interface ClientDpCost {
  epsilon: number;
  delta: number;
  /** Rényi order at which ε was attained. */
  order: number;
}

/**
 * (ε, δ) of `rounds` rounds of DP-FedAvg with site sampling rate q and noise multiplier z, by the
 * subsampled-Gaussian RDP accountant (Mironov et al. 2019), as McMahan et al. 2018 §3 account it.
 * Sites are sampled as a fixed-size uniform subset, which the Poisson analysis approximates (as in
 * that paper); zero noise has no finite ε.
 */
export function clientLevelEpsilon(noiseMultiplier: number, samplingRate: number, rounds: number, delta: number): ClientDpCost {
  if (rounds === 0) return { epsilon: 0, delta, order: 0 };
  if (!(noiseMultiplier > 0)) return { epsilon: Infinity, delta, order: 0 };
  const r = rdpEpsilon({ noiseMultiplier, samplingRate: Math.min(1, samplingRate), steps: rounds, delta });
  return { epsilon: r.epsilon, delta, order: r.order };
}

/**
 * The federation's running privacy loss: one subsampled-Gaussian event per released round, with that
 * round's sampling rate and effective noise multiplier, composed by src/privacy/dp's RdpAccountant.
 */
export class FederationPrivacy {
  private readonly events: { z: number; q: number }[] = [];
  constructor(readonly delta: number) {}

  private epsilonOf(events: { z: number; q: number }[]): number {
    if (events.length === 0) return 0;
    if (events.some((e) => !(e.z > 0))) return Infinity;
    const a = new RdpAccountant();
    for (const e of events) a.composePoissonGaussian(e.z, Math.min(1, e.q));
    return a.epsilon(this.delta).epsilon;
  }

  /** ε if one more round with (z, q) were released. */
  projected(z: number, q: number): number {
    return this.epsilonOf([...this.events, { z, q }]);
  }

  /** Records a released round and returns the total ε. */
  record(z: number, q: number): number {
    this.events.push({ z, q });
    return this.epsilonOf(this.events);
  }
}
