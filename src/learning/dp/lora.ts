// LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models"): the attention and
// FFN matrices stay frozen and each gets W + (α/r)·B·A with A [r, in], B [out, r] trained; B starts
// at 0 so training starts from the base model. Under DP only the adapters are clipped and noised
// (Yu et al. 2022, "Differentially Private Fine-tuning of Language Models"). Every adapter is a
// linear layer, so the same taps and per-example norms apply; export merges B·A into W.
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../../errors/index.ts";
import { Prng, rmsNorm, type LlamaModel } from "../../engine/model/index.ts";
import { frozenLinear, tappedLinear, type ForwardHooks, type LinearTap, type Taps } from "./forward.ts";

export const LORA_TARGETS = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"] as const;

let adapterCounter = 0;

export class LoraAdapters {
  readonly rank: number;
  readonly alpha: number;
  readonly scale: number;
  /** `<weight>.lora_a` [r, in] and `<weight>.lora_b` [out, r] for every target weight. */
  readonly params = new Map<string, tf.Variable>();

  constructor(model: LlamaModel, opts: { rank: number; alpha?: number; seed?: number }) {
    if (!Number.isSafeInteger(opts.rank) || opts.rank < 1) throw new InvalidArgumentError("--lora-rank", `must be an integer ≥ 1, got ${opts.rank}`);
    this.rank = opts.rank;
    this.alpha = opts.alpha ?? opts.rank;
    if (!(Number.isFinite(this.alpha) && this.alpha > 0)) throw new InvalidArgumentError("--lora-alpha", `must be a number > 0, got ${this.alpha}`);
    this.scale = this.alpha / this.rank;
    const prefix = `lora${++adapterCounter}/`;
    for (const [name, w] of model.params) {
      if (!LORA_TARGETS.some((t) => name.endsWith(`.${t}.weight`))) continue;
      const [out, inp] = w.shape as [number, number];
      // A ~ N(0, 1/in) (Kaiming-like), B = 0: the adapted model equals the base at step 0.
      // The stream depends on the seed and the matrix only (not on how many adapter sets this process
      // made before), so a run is reproducible in-process too; 7919 + i is what the first set always used.
      const rng = new Prng(opts.seed ?? 1, 7919 + this.params.size);
      const a = new Float32Array(this.rank * inp).map(() => rng.nextNormal() / Math.sqrt(inp));
      this.params.set(`${name}.lora_a`, tf.tidy(() => tf.variable(tf.tensor2d(a, [this.rank, inp]), true, `${prefix}${name}.lora_a`)));
      this.params.set(`${name}.lora_b`, tf.tidy(() => tf.variable(tf.zeros([out, this.rank]), true, `${prefix}${name}.lora_b`)));
    }
  }

  private ab(name: string): [tf.Tensor2D, tf.Tensor2D] | undefined {
    const a = this.params.get(`${name}.lora_a`);
    const b = this.params.get(`${name}.lora_b`);
    return a && b ? [a as tf.Tensor2D, b as tf.Tensor2D] : undefined;
  }

  /** Hooks with the adapters tapped (frozen base, frozen gains), for per-example clipping. */
  tappedHooks(model: LlamaModel, taps: Taps): ForwardHooks {
    return {
      group: (x, names) => {
        const tapA: LinearTap = { names: names.map((n) => `${n}.lora_a`), x: tf.keep(tf.clone(x)), dys: names.map(() => undefined) };
        taps.linears.push(tapA);
        return names.map((n, j) => {
          const w = model.params.get(n)! as tf.Tensor2D;
          const ab = this.ab(n);
          if (!ab) throw new Error(`internal: no adapter for '${n}'`);
          const u = tappedLinear(x, ab[0], tapA, j);
          const tapB: LinearTap = { names: [`${n}.lora_b`], x: tf.keep(tf.clone(u)), dys: [undefined] };
          taps.linears.push(tapB);
          return tf.add(frozenLinear(x, w), tf.mul(tappedLinear(u, ab[1], tapB, 0), this.scale)) as tf.Tensor2D;
        });
      },
      norm: (x, name) => rmsNorm(x, model.params.get(name)! as tf.Tensor1D, model.config.normEps),
    };
  }

  /** Plain differentiable hooks (gradients reach the adapter variables): the naive oracle's forward. */
  plainHooks(model: LlamaModel): ForwardHooks {
    return {
      group: (x, names) => names.map((n) => {
        const [a, b] = this.ab(n)!;
        const base = tf.matMul(x, model.params.get(n)! as tf.Tensor2D, false, true);
        return tf.add(base, tf.mul(tf.matMul(tf.matMul(x, a, false, true), b, false, true), this.scale)) as tf.Tensor2D;
      }),
      norm: (x, name) => rmsNorm(x, model.params.get(name)! as tf.Tensor1D, model.config.normEps),
    };
  }

  /** The model's weights with every adapter merged: W + (α/r)·B·A. */
  merged(model: LlamaModel): Map<string, Float32Array> {
    const out = model.weights();
    for (const name of out.keys()) {
      const ab = this.ab(name);
      if (!ab) continue;
      const m = tf.tidy(() => tf.add(model.params.get(name)!, tf.mul(tf.matMul(ab[1], ab[0]), this.scale)));
      out.set(name, new Float32Array(m.dataSync() as Float32Array));
      m.dispose();
    }
    return out;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}
