// Private inference of a small MLP classifier: one party holds the weights, another the input rows.
// Both are secret-shared; each layer is a Beaver matrix product plus bias, ReLU between layers; the
// output party learns only the labels (argmax) or the scores, never the weights or the other's input.
// Layer shapes are public (job.params.layers).
import { z } from "zod";
import { InvalidArgumentError } from "../../../errors/index.ts";
import { argmax, relu } from "../compare.ts";
import { mod } from "../field.ts";
import { decodeFixed, decodeInt, encodeFixed } from "../fixed.ts";
import { parseInput, type Job } from "../job.ts";
import type { Session, Shared } from "../session.ts";

const matrix = z.array(z.array(z.number().finite()));
export const modelInput = z.object({ layers: z.array(z.object({ w: matrix, b: z.array(z.number().finite()) })).min(1) });
export const dataInput = z.object({ x: matrix.min(1).max(10_000) });
export type ModelInput = z.infer<typeof modelInput>;
export type DataInput = z.infer<typeof dataInput>;

type InferenceJob = Extract<Job, { protocol: "inference" }>;

/** Flattens a model as [Wᵀ (in×out) | b] per layer, after checking it against the public shapes. */
function encodeModel(model: ModelInput, job: InferenceJob): bigint[] {
  const shapes = job.params.layers;
  if (model.layers.length !== shapes.length) throw new InvalidArgumentError("model.layers", `has ${model.layers.length} layers, the job declares ${shapes.length}`);
  const flat: number[] = [];
  model.layers.forEach((layer, l) => {
    const { in: nin, out } = shapes[l]!;
    if (layer.w.length !== out || layer.w.some((r) => r.length !== nin)) throw new InvalidArgumentError(`model.layers[${l}].w`, `must be ${out}×${nin}`);
    if (layer.b.length !== out) throw new InvalidArgumentError(`model.layers[${l}].b`, `must have ${out} entries`);
    for (let i = 0; i < nin; i++) for (let o = 0; o < out; o++) flat.push(layer.w[o]![i]!);
    flat.push(...layer.b);
  });
  return encodeFixed(flat, "model");
}

export async function secureInference(s: Session, job: InferenceJob, input: ModelInput | DataInput | null) {
  const { model, data, layers, output } = job.params;
  const nin = layers[0]!.in;
  const modelLen = layers.reduce((acc, l) => acc + l.in * l.out + l.out, 0);
  let modelMine: bigint[] | null = null;
  let dataMine: bigint[] | null = null;
  if (s.id === model) modelMine = encodeModel(parseInput(modelInput, input, "model"), job);
  if (s.id === data) {
    const d = parseInput(dataInput, input, "data");
    d.x.forEach((r, i) => { if (r.length !== nin) throw new InvalidArgumentError(`x[${i}]`, `has ${r.length} features, the model takes ${nin}`); });
    dataMine = encodeFixed(d.x.flat(), "x");
  }
  const weights = await s.input(model, modelMine);
  if (weights.length !== modelLen) throw new InvalidArgumentError("model", `has ${weights.length} parameters, the job's layers need ${modelLen}`);
  let h = await s.input(data, dataMine);
  if (h.length % nin !== 0 || h.length === 0) throw new InvalidArgumentError("x", `rows must have ${nin} features`);
  const batch = h.length / nin;
  let offset = 0;
  for (let l = 0; l < layers.length; l++) {
    const { in: i, out: o } = layers[l]!;
    const w = weights.slice(offset, offset + i * o);
    const b = weights.slice(offset + i * o, offset + i * o + o);
    offset += i * o + o;
    const z1 = await s.matmulFixed(h, w, batch, i, o);
    const withBias: Shared = z1.map((v, k) => mod(v + b[k % o]!));
    h = l < layers.length - 1 ? await relu(s, withBias) : withBias;
  }
  const classes = layers[layers.length - 1]!.out;
  if (output === "scores") {
    const out = await s.revealTo(h, job.outputTo);
    if (!out) return null;
    const flat = decodeFixed(out, s.fixed);
    return { scores: Array.from({ length: batch }, (_, r) => flat.slice(r * classes, (r + 1) * classes)) };
  }
  const { index } = await argmax(s, h, batch, classes);
  const out = await s.revealTo(index, job.outputTo);
  return out && { labels: decodeInt(out) };
}

/** The plaintext forward pass (reference for tests). */
export function plainForward(model: ModelInput, x: number[][]): number[][] {
  return x.map((row) => {
    let h = row;
    model.layers.forEach((layer, l) => {
      const z1 = layer.w.map((wr, o) => wr.reduce((acc, v, i) => acc + v * h[i]!, layer.b[o]!));
      h = l < model.layers.length - 1 ? z1.map((v) => Math.max(0, v)) : z1;
    });
    return h;
  });
}
