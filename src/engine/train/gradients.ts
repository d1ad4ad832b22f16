// Gradients for one optimizer step: averaged over micro-batches (gradient accumulation), then
// clipped by their global L2 norm (Pascanu et al. 2013), as torch.nn.utils.clip_grad_norm_ does.
import * as tf from "@tensorflow/tfjs";

/** What training needs from a model: named trainable variables and a mean cross-entropy loss. */
export interface TrainableModel {
  params: Map<string, tf.Variable>;
  loss(tokens: tf.Tensor2D): tf.Scalar;
}

export interface StepGradients {
  /** Mean loss over the micro-batches (each micro-batch's mean cross-entropy, averaged). */
  loss: number;
  grads: Map<string, tf.Tensor>;
}

/**
 * Runs forward and backward on each micro-batch and averages the gradients. With equal-sized
 * micro-batches this equals the gradient of one batch holding all of them.
 */
export function accumulateGradients(model: TrainableModel, microBatches: tf.Tensor2D[]): StepGradients {
  if (microBatches.length === 0) throw new Error("accumulateGradients: no micro-batches");
  const names = [...model.params.keys()];
  const vars = [...model.params.values()];
  let sum: tf.Tensor[] | undefined;
  let loss = 0;
  for (const batch of microBatches) {
    const { value, grads } = tf.variableGrads(() => model.loss(batch), vars);
    loss += value.dataSync()[0]!;
    value.dispose();
    const list = vars.map((v) => {
      const g = grads[v.name];
      if (!g) throw new Error(`no gradient reached variable '${v.name}'`);
      return g;
    });
    if (!sum) {
      sum = list;
    } else {
      const prev = sum;
      sum = prev.map((s, i) => tf.add(s, list[i]!));
      tf.dispose([...prev, ...list]);
    }
  }
  const n = microBatches.length;
  const grads = new Map<string, tf.Tensor>();
  sum!.forEach((g, i) => {
    if (n === 1) {
      grads.set(names[i]!, g);
    } else {
      grads.set(names[i]!, tf.div(g, n));
      g.dispose();
    }
  });
  return { loss: loss / n, grads };
}

/** The L2 norm of all gradients taken together. */
export function globalNorm(grads: Map<string, tf.Tensor>): number {
  return tf.tidy(() => {
    const squares = [...grads.values()].map((g) => tf.sum(tf.square(g)));
    return Math.sqrt(tf.addN(squares).dataSync()[0]!);
  });
}

/**
 * Scales every gradient by min(1, maxNorm / (norm + 1e-6)) in place of the map's tensors (the old
 * ones are disposed). maxNorm ≤ 0 or ∞ disables clipping. Returns the norm before clipping.
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): number {
  const norm = globalNorm(grads);
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm)) return norm;
  const scale = maxNorm / (norm + 1e-6);
  if (scale >= 1) return norm;
  for (const [name, g] of grads) {
    grads.set(name, tf.mul(g, scale));
    g.dispose();
  }
  return norm;
}
