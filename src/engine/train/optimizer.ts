// AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", 2019) over named tfjs
// variables: bias-corrected first/second moments, weight decay applied to matrices only.
import * as tf from "@tensorflow/tfjs";

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export class AdamW {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  /** Updates applied so far; the bias corrections use t = steps + 1 for the next one. */
  steps = 0;

  constructor(private readonly params: Map<string, tf.Variable>, readonly options: AdamWOptions) {
    for (const [name, p] of params) {
      // tidy frees the zero tensors the variables were copied from (it never disposes variables).
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
  }

  /** One update with learning rate `lr`; `grads` holds a gradient for every parameter. */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.options;
    const t = this.steps + 1;
    // Bias corrections computed afresh from t (not a running product) so a resumed run matches exactly.
    const bc1 = 1 - Math.pow(beta1, t);
    const bc2 = 1 - Math.pow(beta2, t);
    for (const [name, p] of this.params) {
      const g = grads.get(name);
      if (!g) throw new Error(`AdamW: no gradient for parameter '${name}'`);
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      tf.tidy(() => {
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        let update = tf.div(tf.div(m1, bc1), tf.add(tf.sqrt(tf.div(v1, bc2)), eps));
        // Decoupled decay: p ← p − lr·(update + λ·p), only for 2-D weight matrices (not norms' gains).
        if (weightDecay > 0 && p.rank >= 2) update = tf.add(update, tf.mul(p, weightDecay));
        m.assign(m1);
        v.assign(v1);
        p.assign(tf.sub(p, tf.mul(update, lr)));
      });
    }
    this.steps = t;
  }

  /** Moments as plain arrays, keyed "m.<param>" and "v.<param>" (what optimizer.safetensors holds). */
  stateArrays(): Map<string, { shape: number[]; data: Float32Array }> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, m] of this.m) out.set(`m.${name}`, { shape: m.shape, data: m.dataSync() as Float32Array });
    for (const [name, v] of this.v) out.set(`v.${name}`, { shape: v.shape, data: v.dataSync() as Float32Array });
    return out;
  }

  /** Restores moments saved by stateArrays() and the update count. */
  loadState(arrays: Map<string, Float32Array>, steps: number): void {
    for (const [kind, vars] of [["m", this.m], ["v", this.v]] as const) {
      for (const [name, variable] of vars) {
        const data = arrays.get(`${kind}.${name}`);
        if (!data || data.length !== variable.size) throw new Error(`AdamW: saved state lacks ${kind}.${name}`);
        tf.tidy(() => variable.assign(tf.tensor(data, variable.shape)));
      }
    }
    this.steps = steps;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
