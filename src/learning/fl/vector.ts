// Flat parameter vectors: a model's named tensors as one Float32Array (in tensorShapes order) and
// the small vector arithmetic aggregation needs (norms, clipping, weighted means).
import { InvalidArgumentError } from "../../errors/index.ts";

/** Concatenates named tensors in the given name order. */
export function flattenWeights(weights: Map<string, Float32Array>, order: string[]): Float32Array {
  let n = 0;
  for (const name of order) {
    const w = weights.get(name);
    if (!w) throw new InvalidArgumentError(`weights["${name}"]`, "is missing");
    n += w.length;
  }
  const out = new Float32Array(n);
  let off = 0;
  for (const name of order) {
    const w = weights.get(name)!;
    out.set(w, off);
    off += w.length;
  }
  return out;
}

/** Splits a flat vector back into named tensors of the given sizes. */
export function unflattenWeights(flat: Float32Array, sizes: [string, number][]): Map<string, Float32Array> {
  const total = sizes.reduce((a, [, s]) => a + s, 0);
  if (flat.length !== total) throw new InvalidArgumentError("weights", `has ${flat.length} values, the model needs ${total}`);
  const out = new Map<string, Float32Array>();
  let off = 0;
  for (const [name, size] of sizes) {
    out.set(name, flat.slice(off, off + size));
    off += size;
  }
  return out;
}

export function l2Norm(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** v · min(1, maxNorm / ‖v‖₂) as a new vector (McMahan et al. 2018, per-client update clipping). */
export function clipL2(v: Float32Array, maxNorm: number): Float32Array {
  if (!(maxNorm > 0)) throw new InvalidArgumentError("clip", `must be a positive number, got ${maxNorm}`);
  const norm = l2Norm(v);
  const out = new Float32Array(v);
  if (norm > maxNorm) {
    const s = maxNorm / norm;
    for (let i = 0; i < out.length; i++) out[i]! *= s;
  }
  return out;
}

export function checkSameLength(field: string, vs: Float32Array[], length?: number): number {
  if (vs.length === 0) throw new InvalidArgumentError(field, "needs at least one update");
  const n = length ?? vs[0]!.length;
  vs.forEach((v, i) => {
    if (v.length !== n) throw new InvalidArgumentError(`${field}[${i}]`, `has ${v.length} values, expected ${n}`);
    for (let j = 0; j < v.length; j++) if (!Number.isFinite(v[j]!)) throw new InvalidArgumentError(`${field}[${i}]`, `holds a non-finite value at index ${j}`);
  });
  return n;
}
