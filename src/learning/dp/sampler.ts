// Poisson sampling of a logical batch: each of n examples joins independently with probability q,
// so the batch size varies (Binomial(n, q)), as the subsampled-Gaussian accounting assumes
// (Mironov, Talwar, Zhang 2019). Coins come from the DP core's CSPRNG stream.
import type { RandomSource } from "../../privacy/dp/index.ts";

/** Indices in [0, n) chosen with probability q each. */
export function poissonSample(n: number, q: number, rng: RandomSource): number[] {
  const out: number[] = [];
  if (q >= 1) {
    for (let i = 0; i < n; i++) out.push(i);
    return out;
  }
  for (let i = 0; i < n; i++) if (rng.unitOpen() < q) out.push(i);
  return out;
}

/** Cuts a logical batch into micro-batches of at most `size` rows (gradient accumulation). */
export function microBatches(indices: number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < indices.length; i += size) out.push(indices.slice(i, i + size));
  return out;
}
