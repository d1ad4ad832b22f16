// DP training benchmark, side by side in one run on the same model (tiny preset), batch and data:
// non-private step (engine gradients + AdamW), efficient DP step (taps, per-example norms,
// book-keeping clipped sum, noise, AdamW) and the naive per-example loop; peak tensor memory of
// each (tf.profile); then the canary experiment: exposure and validation perplexity without and
// with DP at ε = 8; plus a DP step training only rank-8 LoRA adapters, and the same comparison on
// short (16-token) sequences. Args: [batch=64] [seqLen=64] [reps=5] [canarySteps=150].
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend, LlamaModel, PRESETS } from "../src/engine/model/index.ts";
import { trainBpe } from "../src/engine/tokenizer/index.ts";
import { accumulateGradients, AdamW, clipByGlobalNorm } from "../src/engine/train/index.ts";
import { clippedGradientSum, dpNoisyGradient, KEEP_BYTES, LoraAdapters, naiveClippedGradientSum, runCanaryExperiment } from "../src/learning/dp/index.ts";
import { RandomSource } from "../src/privacy/dp/index.ts";
import { sotuText } from "../test/helpers/corpus.ts";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface StepTimes {
  nonprivate: number;
  dp: number;
  naive: number;
  lora: number;
  wall: Record<string, number>;
  peakBytes: Record<string, number>;
  cpuSamples: Record<string, number[]>;
  wallSamples: Record<string, number[]>;
}

/** Median CPU and wall ms per step of the three ways, interleaved, on B sequences of T+1 tokens. */
async function measureSteps(ids: number[], vocab: number, B: number, T: number, reps: number): Promise<StepTimes> {
  const sequences: Int32Array[] = [];
  for (let i = 0; i + T + 1 <= ids.length && sequences.length < B; i += T) sequences.push(Int32Array.from(ids.slice(i, i + T + 1)));
  const batch = sequences.map((_, i) => i);
  const flat = new Int32Array(B * (T + 1));
  sequences.forEach((s, i) => flat.set(s, i * (T + 1)));
  const model = LlamaModel.create({ ...PRESETS.tiny!, vocabSize: vocab }, { seed: 1 });
  const opt = new AdamW(model.params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const rng = RandomSource.secure();
  const common = { model, sequences, batch, microBatch: B, clip: 1, noiseMultiplier: 1, expectedBatch: B, rng };
  const adapters = new LoraAdapters(model, { rank: 8 });
  const loraOpt = new AdamW(adapters.params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const steps: Record<string, () => void> = {
    nonprivate: () => {
      const t = tf.tensor2d(flat, [B, T + 1], "int32");
      const { grads } = accumulateGradients(model, [t]);
      t.dispose();
      clipByGlobalNorm(grads, 1);
      opt.apply(grads, 1e-4);
      tf.dispose([...grads.values()]);
    },
    dp: () => {
      const { grads } = dpNoisyGradient(common);
      opt.apply(grads, 1e-4);
      tf.dispose([...grads.values()]);
    },
    naive: () => {
      const { grads } = dpNoisyGradient({ ...common, sum: naiveClippedGradientSum });
      opt.apply(grads, 1e-4);
      tf.dispose([...grads.values()]);
    },
    dp_lora: () => {
      const { grads } = dpNoisyGradient({ ...common, params: adapters.params, sum: (m, t, b, c) => clippedGradientSum(m, t, b, c, "auto", KEEP_BYTES, adapters) });
      loraOpt.apply(grads, 1e-4);
      tf.dispose([...grads.values()]);
    },
  };
  const wallSamples: Record<string, number[]> = { nonprivate: [], dp: [], naive: [], dp_lora: [] };
  const cpuSamples: Record<string, number[]> = { nonprivate: [], dp: [], naive: [], dp_lora: [] };
  const peakBytes: Record<string, number> = {};
  for (const [name, f] of Object.entries(steps)) {
    f(); // warm-up
    peakBytes[name] = (await tf.profile(f)).peakBytes;
  }
  // Interleaved, so load from other processes on the machine hits all three alike.
  for (let r = 0; r < reps; r++) {
    for (const [name, f] of Object.entries(steps)) {
      if (name === "naive" && r >= Math.max(3, Math.ceil(reps / 2))) continue;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      f();
      wallSamples[name]!.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuSamples[name]!.push((c.user + c.system) / 1000);
    }
  }
  opt.dispose();
  loraOpt.dispose();
  adapters.dispose();
  model.dispose();
  // The machine is shared: wall times swing with other processes' load, so the ratios use process
  // CPU time (the wasm backend runs on one thread), and wall-clock medians are reported beside them.
  const wall = Object.fromEntries(Object.entries(wallSamples).map(([k, v]) => [k, median(v)]));
  return { nonprivate: median(cpuSamples.nonprivate!), dp: median(cpuSamples.dp!), naive: median(cpuSamples.naive!), lora: median(cpuSamples.dp_lora!), wall, peakBytes, cpuSamples, wallSamples };
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  await initBackend();
  const B = Number(args[0] ?? 64);
  const T = Number(args[1] ?? 64);
  const reps = Number(args[2] ?? 5);
  const canarySteps = Number(args[3] ?? 150);
  const text = sotuText(600_000);
  const tokenizer = trainBpe([text.slice(300_000)], { vocabSize: 512 });
  const ids = tokenizer.encode(text.slice(0, 200_000));
  const main = await measureSteps(ids, tokenizer.vocabSize, B, T, reps);
  // Short sequences: per-pass overhead dominates, which is where the naive loop pays most.
  const short = await measureSteps(ids, tokenizer.vocabSize, B, 16, reps);
  const shortRow = { seq_len: 16, nonprivate_step_ms: short.nonprivate, dp_step_ms: short.dp, naive_dp_step_ms: short.naive, dp_over_nonprivate: short.dp / short.nonprivate, naive_over_dp: short.naive / short.dp };
  const dir = mkdtempSync(join(tmpdir(), "llmos-bench-dp-"));
  try {
    const tokPath = join(dir, "tok.json");
    await tokenizer.save(tokPath);
    const canary = await runCanaryExperiment({
      dir, text: text.slice(0, 40_000), tokenizerPath: tokPath, tokenizer, config: "tiny", seqLen: 32, batchSize: 32, steps: canarySteps,
      lr: 6e-3, repeats: 4, candidates: 1000, epsilon: 8, delta: 1e-5, clip: 1,
    });
    return {
      model: "tiny", batch_size: B, seq_len: T, reps,
      timing: "median process CPU ms per step (wasm backend, one thread); wall-clock medians in *_wall_ms",
      nonprivate_step_ms: main.nonprivate, dp_step_ms: main.dp, naive_dp_step_ms: main.naive,
      dp_over_nonprivate: main.dp / main.nonprivate, naive_over_dp: main.naive / main.dp,
      nonprivate_step_wall_ms: main.wall.nonprivate, dp_step_wall_ms: main.wall.dp, naive_dp_step_wall_ms: main.wall.naive,
      nonprivate_peak_bytes: main.peakBytes.nonprivate, dp_peak_bytes: main.peakBytes.dp, naive_dp_peak_bytes: main.peakBytes.naive,
      step_cpu_ms_samples: main.cpuSamples, step_wall_ms_samples: main.wallSamples,
      dp_lora_r8_step_ms: main.lora, dp_lora_peak_bytes: main.peakBytes.dp_lora,
      short_sequences: shortRow,
      exposure_nonprivate: canary.exposure_nonprivate, exposure_dp: canary.exposure_dp,
      ppl_nonprivate: canary.ppl_nonprivate, ppl_dp: canary.ppl_dp,
      epsilon: canary.epsilon, delta: canary.delta,
      canary,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
