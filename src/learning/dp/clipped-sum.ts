// The sum of per-example clipped gradients Σ_i min(1, C/||g_i||)·g_i of one micro-batch, from one
// forward and one backward: per-example norms from the taps (norms.ts), then each weight gradient
// formed once with example i's output gradients scaled by its factor. That equals the backward of
// the reweighted loss Σ_i c_i·L_i (examples do not interact in a llama forward), without running it
// a second time (book-keeping, Bu et al. 2022, "Differentially Private Optimization on Large Model
// at Small Cost").
import * as tf from "@tensorflow/tfjs";
import type { LlamaModel } from "../../engine/model/index.ts";
import { disposeTaps, shiftTokens, tappedPass, type LinearTap } from "./forward.ts";
import type { LoraAdapters } from "./lora.ts";
import { KEEP_BYTES, perExampleNorms, type NormMode } from "./norms.ts";

export interface ClippedSum {
  /** Σ_i c_i·∇L_i per parameter name. */
  grads: Map<string, tf.Tensor>;
  /** ||∇L_i|| before clipping, per example. */
  norms: Float64Array;
  /** Σ_i L_i (per-example mean next-token losses). */
  lossSum: number;
  /** Examples whose factor was < 1. */
  clipped: number;
}

/** Opacus' factor: min(1, C / (||g|| + 1e-6)); the naive oracle uses the same one. */
export function clipFactor(norm: number, clip: number): number {
  return Math.min(1, clip / (norm + 1e-6));
}

/** dW = (c ⊙ dy)ᵀ·x, arranged as the engine's linear backward arranges it for XNNPACK. */
function weightedWeightGrad(x: tf.Tensor2D, dy: tf.Tensor2D, rowScale: tf.Tensor2D): tf.Tensor2D {
  const g = tf.mul(dy, rowScale) as tf.Tensor2D;
  const out = dy.shape[1];
  const inp = x.shape[1];
  return out <= inp || out >= 8 * inp ? tf.matMul(tf.transpose(g), x) : (tf.transpose(tf.matMul(tf.transpose(x), g)) as tf.Tensor2D);
}

function accumulate(grads: Map<string, tf.Tensor>, name: string, g: tf.Tensor): void {
  const prev = grads.get(name);
  if (!prev) {
    grads.set(name, g);
    return;
  }
  grads.set(name, tf.add(prev, g));
  tf.dispose([prev, g]);
}

/** Σ_i c_i G_i from kept per-example G_iᵀ [B, d·p], transposed back and cut into the group's weights by rows. */
function addKept(grads: Map<string, tf.Tensor>, tap: LinearTap, kept: tf.Tensor2D, c: tf.Tensor2D): void {
  const d = tap.x.shape[1];
  const ps = tap.dys.map((dy) => dy!.shape[1]);
  const p = kept.shape[1] / d;
  const parts = tf.tidy(() => {
    const sum = tf.transpose(tf.reshape(tf.matMul(c, kept), [d, p]));
    return ps.length === 1 ? [sum] : tf.split(sum, ps, 0);
  });
  tap.names.forEach((name, j) => accumulate(grads, name, parts[j]!));
}

function addGroup(grads: Map<string, tf.Tensor>, tap: LinearTap, rowScale: tf.Tensor2D): void {
  tap.names.forEach((name, j) => accumulate(grads, name, tf.tidy(() => weightedWeightGrad(tap.x, tap.dys[j]!, rowScale))));
}

/**
 * Clipped per-example gradient sum for tokens [B, T+1] (row-major int32): each example's
 * gradient of its mean next-token loss, clipped to L2 norm `clip` over all parameters.
 */
export function clippedGradientSum(model: LlamaModel, tokens: Int32Array, B: number, clip: number, mode: NormMode = "auto", keepBytes = KEEP_BYTES, adapters?: LoraAdapters): ClippedSum {
  const cols = tokens.length / B;
  const T = cols - 1;
  const { lossSum, taps } = adapters ? tappedPass(model, tokens, B, cols, (t) => adapters.tappedHooks(model, t), false) : tappedPass(model, tokens, B, cols);
  try {
    const { inputs } = shiftTokens(tokens, B, cols);
    const pe = perExampleNorms(taps, inputs, { B, T }, model.config.tieEmbeddings, mode, keepBytes, adapters !== undefined);
    const norms = pe.squared.map((v) => Math.sqrt(Math.max(0, v)));
    const factors = new Float32Array(B);
    let clipped = 0;
    norms.forEach((n, i) => {
      factors[i] = clipFactor(n, clip);
      if (factors[i]! < 1) clipped++;
    });
    const rowFactors = new Float32Array(B * T);
    for (let i = 0; i < B; i++) rowFactors.fill(factors[i]!, i * T, (i + 1) * T);
    const grads = new Map<string, tf.Tensor>();
    const rowScale = tf.tensor2d(rowFactors, [B * T, 1]);
    const c = tf.tensor2d(factors, [1, B]);
    try {
      taps.linears.forEach((tap, k) => {
        const kept = pe.linears[k];
        if (kept) addKept(grads, tap, kept, c);
        else addGroup(grads, tap, rowScale);
      });
      if (adapters) return { grads, norms, lossSum, clipped };
      if (pe.head) addKept(grads, taps.head, pe.head, c);
      else addGroup(grads, taps.head, rowScale);
      for (const g of taps.gains) {
        const dim = g.n.shape[1];
        grads.set(g.name, tf.tidy(() => tf.reshape(tf.matMul(c, tf.sum(tf.reshape(tf.mul(g.n, g.dy!), [B, T, dim]), 1)), [dim])));
      }
      // A head kept by the 2T-row identity already holds the embedding's part (norms.ts); otherwise scatter it.
      if (!pe.headWithEmbedding) {
        const [vocab, dim] = model.params.get("token_embd.weight")!.shape as [number, number];
        const emb = tf.tidy(() => tf.scatterND(tf.tensor2d(inputs, [B * T, 1], "int32"), tf.mul(taps.embedGrad!, rowScale), [vocab, dim]));
        accumulate(grads, "token_embd.weight", emb);
      }
    } finally {
      tf.dispose([rowScale, c, ...pe.linears.filter((k): k is tf.Tensor2D => k !== undefined), ...(pe.head ? [pe.head] : [])]);
    }
    return { grads, norms, lossSum, clipped };
  } finally {
    disposeTaps(taps);
  }
}
