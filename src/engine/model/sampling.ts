// Picks the next token from a logits row: greedy (argmax) at temperature 0, otherwise
// temperature scaling, then top-k, then top-p (nucleus) filtering, then a seeded draw.
import { InvalidArgumentError } from "../../errors/index.ts";
import type { Prng } from "./prng.ts";

export interface SamplingOptions {
  temperature?: number;
  topK?: number;
  topP?: number;
}

export function validateSampling(o: SamplingOptions, where = "generate"): void {
  const t = o.temperature ?? 0;
  if (typeof t !== "number" || !Number.isFinite(t) || t < 0) {
    throw new InvalidArgumentError(`${where}.temperature`, "must be a finite number ≥ 0");
  }
  if (o.topK !== undefined && (!Number.isInteger(o.topK) || o.topK < 0)) {
    throw new InvalidArgumentError(`${where}.topK`, "must be an integer ≥ 0 (0 = off)");
  }
  if (o.topP !== undefined && (typeof o.topP !== "number" || !(o.topP > 0 && o.topP <= 1))) {
    throw new InvalidArgumentError(`${where}.topP`, "must be a number in (0, 1]");
  }
}

/** Index of the largest value; the lowest index wins ties. */
export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  let bestV = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return best;
}

export function sampleToken(logits: Float32Array, o: SamplingOptions, rng: Prng): number {
  const t = o.temperature ?? 0;
  if (t === 0) return argmax(logits);
  const n = logits.length;
  let ids = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
  if (o.topK && o.topK < n) ids = ids.slice(0, o.topK);
  const top = logits[ids[0]!]!;
  let probs = ids.map((i) => Math.exp((logits[i]! - top) / t));
  let total = probs.reduce((a, b) => a + b, 0);
  if (o.topP !== undefined && o.topP < 1) {
    // Keep the smallest prefix whose probability reaches topP (at least one token).
    let acc = 0;
    let keep = 0;
    while (keep < probs.length) {
      acc += probs[keep]! / total;
      keep++;
      if (acc >= o.topP) break;
    }
    ids = ids.slice(0, keep);
    probs = probs.slice(0, keep);
    total = probs.reduce((a, b) => a + b, 0);
  }
  let r = rng.nextFloat() * total;
  for (let j = 0; j < ids.length; j++) {
    r -= probs[j]!;
    if (r < 0) return ids[j]!;
  }
  return ids[ids.length - 1]!;
}
