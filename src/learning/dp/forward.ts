// The llama forward of src/engine/model re-run with taps for per-example clipping: every linear
// layer records its input activations and, in the backward, its output gradient; every RMSNorm
// gain records its normalised input and output gradient. Parameters enter as constants, so the
// one backward pass computes only activation gradients; weight gradients are formed afterwards
// from the taps with per-example weights (book-keeping, Bu et al. 2022).
import * as tf from "@tensorflow/tfjs";
import { applyRope, attention, crossEntropy, embedding, headDim, rmsNorm, ropeTable, swiglu, type LlamaConfig, type LlamaModel, type RopeTable } from "../../engine/model/index.ts";

/** Linear layers sharing one input (q/k/v, gate/up): one activation, one output gradient each. */
export interface LinearTap {
  names: string[];
  /** Input [N, in] (kept until disposeTaps). */
  x: tf.Tensor2D;
  /** Output gradients [N, out] per weight, filled by the backward. */
  dys: (tf.Tensor2D | undefined)[];
}

/** An RMSNorm gain: normalised input and output gradient, both [N, dim]. */
export interface GainTap {
  name: string;
  n: tf.Tensor2D;
  dy?: tf.Tensor2D;
}

export interface Taps {
  linears: LinearTap[];
  gains: GainTap[];
  /** The head's tap (its names are "token_embd.weight" when tied). */
  head: LinearTap;
  /** Gradient at the embedding output [N, dim]. */
  embedGrad?: tf.Tensor2D;
}

const ropeCache = new WeakMap<LlamaConfig, RopeTable>();
function ropeOf(c: LlamaConfig): RopeTable {
  let r = ropeCache.get(c);
  if (!r) {
    r = ropeTable(headDim(c), c.ropeTheta, c.contextLength);
    ropeCache.set(c, r);
  }
  return r;
}

/** y = x·Wᵀ with W a constant; the backward records dy and returns dx = dy·W (no weight gradient). */
export function tappedLinear(x: tf.Tensor2D, w: tf.Tensor2D, tap: LinearTap, slot: number): tf.Tensor2D {
  const op = tf.customGrad((xi) => {
    const xs = xi as tf.Tensor2D;
    const y = tf.matMul(xs, tf.transpose(w));
    return {
      value: y,
      gradFunc: (dy: tf.Tensor) => {
        tap.dys[slot] = tf.keep(tf.clone(dy as tf.Tensor2D));
        return tf.matMul(dy as tf.Tensor2D, w);
      },
    };
  });
  return op(x) as tf.Tensor2D;
}

/** y = x·Wᵀ with W frozen: the backward passes dx = dy·W and records nothing. */
export function frozenLinear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((xi) => ({
    value: tf.matMul(xi as tf.Tensor2D, w, false, true),
    gradFunc: (dy: tf.Tensor) => tf.matMul(dy as tf.Tensor2D, w),
  }));
  return op(x) as tf.Tensor2D;
}

function linearGroup(taps: Taps, x: tf.Tensor2D, names: string[], w: (n: string) => tf.Tensor2D): tf.Tensor2D[] {
  const tap: LinearTap = { names, x: tf.keep(tf.clone(x)), dys: names.map(() => undefined) };
  taps.linears.push(tap);
  return names.map((n, i) => tappedLinear(x, w(n), tap, i));
}

/** RMSNorm as the engine computes it (x·rsqrt(mean x² + eps)·g), with the gain tapped. */
function tappedRmsNorm(taps: Taps, x: tf.Tensor2D, name: string, g: tf.Tensor1D, eps: number): tf.Tensor2D {
  const n = tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))) as tf.Tensor2D;
  const tap: GainTap = { name, n: tf.keep(tf.clone(n)) };
  taps.gains.push(tap);
  const op = tf.customGrad((ni) => ({
    value: tf.mul(ni as tf.Tensor2D, g),
    gradFunc: (dy: tf.Tensor) => {
      tap.dy = tf.keep(tf.clone(dy as tf.Tensor2D));
      return tf.mul(dy, g);
    },
  }));
  return op(n) as tf.Tensor2D;
}

export interface TappedPass {
  /** Sum over examples of each example's mean next-token loss. */
  lossSum: number;
  taps: Taps;
}

/** Splits [B, T+1] rows into inputs and next-token targets. */
export function shiftTokens(tokens: Int32Array, B: number, cols: number): { inputs: Int32Array; targets: Int32Array } {
  const T = cols - 1;
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    inputs.set(tokens.subarray(b * cols, b * cols + T), b * T);
    targets.set(tokens.subarray(b * cols + 1, b * cols + cols), b * T);
  }
  return { inputs, targets };
}

/** How a forward computes its parameterised pieces: tapped (DP), with adapters (LoRA), or plain. */
export interface ForwardHooks {
  /** The linear layers `names` (sharing input x), in order. */
  group(x: tf.Tensor2D, names: string[]): tf.Tensor2D[];
  /** RMSNorm with gain `name`. */
  norm(x: tf.Tensor2D, name: string): tf.Tensor2D;
}

export function tappedHooks(model: LlamaModel, taps: Taps): ForwardHooks {
  const p = (n: string) => model.params.get(n)! as tf.Tensor;
  return {
    group: (x, names) => linearGroup(taps, x, names, (n) => p(n) as tf.Tensor2D),
    norm: (x, name) => tappedRmsNorm(taps, x, name, p(name) as tf.Tensor1D, model.config.normEps),
  };
}

/** Plain differentiable ops (gradients reach variables through tf.variableGrads). */
export function plainHooks(model: LlamaModel): ForwardHooks {
  const p = (n: string) => model.params.get(n)! as tf.Tensor;
  return {
    group: (x, names) => names.map((n) => tf.matMul(x, p(n) as tf.Tensor2D, false, true)),
    norm: (x, name) => rmsNorm(x, p(name) as tf.Tensor1D, model.config.normEps),
  };
}

/** Forward of the hidden states from an embedding output x0 (the differentiated input). */
export function hidden(model: LlamaModel, hooks: ForwardHooks, x0: tf.Tensor2D, B: number, T: number): tf.Tensor2D {
  const c = model.config;
  const hd = headDim(c);
  const N = B * T;
  const rope = ropeOf(c);
  let x = x0;
  for (let l = 0; l < c.nLayers; l++) {
    const b = `blk.${l}.`;
    const h = hooks.norm(x, `${b}attn_norm.weight`);
    const [q0, k0, v0] = hooks.group(h, [`${b}attn_q.weight`, `${b}attn_k.weight`, `${b}attn_v.weight`]);
    const q = tf.mul(applyRope(tf.reshape(q0!, [B, T, c.nHeads, hd]), rope, 0), 1 / Math.sqrt(hd)) as tf.Tensor4D;
    const k = applyRope(tf.reshape(k0!, [B, T, c.nKvHeads, hd]), rope, 0) as tf.Tensor4D;
    const v = tf.reshape(v0!, [B, T, c.nKvHeads, hd]) as tf.Tensor4D;
    const a = tf.reshape(attention(q, k, v), [N, c.dim]) as tf.Tensor2D;
    x = tf.add(x, hooks.group(a, [`${b}attn_output.weight`])[0]!);
    const h2 = hooks.norm(x, `${b}ffn_norm.weight`);
    const [gate, up] = hooks.group(h2, [`${b}ffn_gate.weight`, `${b}ffn_up.weight`]);
    const s = swiglu(gate!, up!);
    x = tf.add(x, hooks.group(s, [`${b}ffn_down.weight`])[0]!);
  }
  return hooks.norm(x, "output_norm.weight");
}

/**
 * One forward and one backward of Σ_i L_i (L_i = example i's mean next-token loss) for tokens
 * [B, T+1], recording the taps. The caller owns the taps and frees them with disposeTaps.
 */
export function tappedPass(model: LlamaModel, tokens: Int32Array, B: number, cols: number, hooksFor: (taps: Taps) => ForwardHooks = (t) => tappedHooks(model, t), tapHead = true): TappedPass {
  const c = model.config;
  const T = cols - 1;
  const { inputs, targets } = shiftTokens(tokens, B, cols);
  const headName = c.tieEmbeddings ? "token_embd.weight" : "output.weight";
  const taps: Taps = { linears: [], gains: [], head: { names: [headName], x: undefined as unknown as tf.Tensor2D, dys: [undefined] } };
  let lossSum = 0;
  tf.tidy(() => {
    const x0 = embedding(model.params.get("token_embd.weight")! as tf.Tensor2D, inputs);
    const { value, grad } = tf.valueAndGrad((e: tf.Tensor) => {
      const hs = hidden(model, hooksFor(taps), e as tf.Tensor2D, B, T);
      const head = model.params.get(headName)! as tf.Tensor2D;
      let logits: tf.Tensor2D;
      if (tapHead) {
        taps.head.x = tf.keep(tf.clone(hs));
        logits = tappedLinear(hs, head, taps.head, 0);
      } else {
        logits = frozenLinear(hs, head);
      }
      // The engine's loss is the mean over B·T positions; ×B makes it the sum of per-example means,
      // so every tapped output gradient is the per-example gradient itself.
      return tf.mul(crossEntropy(logits, targets), B) as tf.Scalar;
    })(x0);
    lossSum = value.dataSync()[0]!;
    taps.embedGrad = tf.keep(grad as tf.Tensor2D);
  });
  return { lossSum, taps };
}

/** Logits [B·T, vocab] for inputs [B, T] (no taps, no gradient): for evaluation such as canary ranks. */
export function batchLogits(model: LlamaModel, inputs: Int32Array, B: number, T: number): tf.Tensor2D {
  const headName = model.config.tieEmbeddings ? "token_embd.weight" : "output.weight";
  return tf.tidy(() => {
    const hs = hidden(model, plainHooks(model), embedding(model.params.get("token_embd.weight")! as tf.Tensor2D, inputs), B, T);
    return tf.matMul(hs, model.params.get(headName)! as tf.Tensor2D, false, true);
  });
}

export function disposeTaps(t: Taps): void {
  for (const l of [...t.linears, t.head]) {
    if (l.x) l.x.dispose();
    for (const d of l.dys) d?.dispose();
  }
  for (const g of t.gains) {
    g.n.dispose();
    g.dy?.dispose();
  }
  t.embedGrad?.dispose();
}
