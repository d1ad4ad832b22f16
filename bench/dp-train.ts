// DP training benchmark, side by side in one run on the same model (tiny preset), batch and data:
// non-private step (engine gradients + AdamW), efficient DP step (taps, per-example norms,
// book-keeping clipped sum, noise, AdamW) and the naive per-example loop; peak tensor memory of
// each (tf.profile); then the canary experiment: exposure and validation perplexity without and
// with DP at ε = 8. Args: [batch=64] [seqLen=64] [reps=5] [canarySteps=150].
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initBackend, LlamaModel, PRESETS } from "../src/engine/model/index.ts";
import { trainBpe } from "../src/engine/tokenizer/index.ts";
import { accumulateGradients, AdamW, clipByGlobalNorm } from "../src/engine/train/index.ts";
import { dpNoisyGradient, naiveClippedGradientSum, runCanaryExperiment } from "../src/learning/dp/index.ts";
import { RandomSource } from "../src/privacy/dp/index.ts";
import { sotuText } from "../test/helpers/corpus.ts";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
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
  const sequences: Int32Array[] = [];
  for (let i = 0; i + T + 1 <= ids.length && sequences.length < B; i += T) sequences.push(Int32Array.from(ids.slice(i, i + T + 1)));
  const batch = sequences.map((_, i) => i);
  const flat = new Int32Array(B * (T + 1));
  sequences.forEach((s, i) => flat.set(s, i * (T + 1)));

  const model = LlamaModel.create({ ...PRESETS.tiny!, vocabSize: tokenizer.vocabSize }, { seed: 1 });
  const opt = new AdamW(model.params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const rng = RandomSource.secure();
  const common = { model, sequences, batch, microBatch: B, clip: 1, noiseMultiplier: 1, expectedBatch: B, rng };
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
  };
  const times: Record<string, number[]> = { nonprivate: [], dp: [], naive: [] };
  const cpuTimes: Record<string, number[]> = { nonprivate: [], dp: [], naive: [] };
  const memory: Record<string, number> = {};
  for (const [name, f] of Object.entries(steps)) {
    f(); // warm-up
    memory[name] = (await tf.profile(f)).peakBytes;
  }
  // Interleaved, so load from other processes on the machine hits all three alike.
  for (let r = 0; r < reps; r++) {
    for (const [name, f] of Object.entries(steps)) {
      if (name === "naive" && r >= Math.max(3, Math.ceil(reps / 2))) continue;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      f();
      times[name]!.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuTimes[name]!.push((c.user + c.system) / 1000);
    }
  }
  opt.dispose();
  model.dispose();
  // The machine is shared: wall times swing with other processes' load, so the ratios use process
  // CPU time (the wasm backend runs on one thread), and wall-clock medians are reported beside them.
  const nonprivate = median(cpuTimes.nonprivate!);
  const dp = median(cpuTimes.dp!);
  const naive = median(cpuTimes.naive!);

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
      nonprivate_step_ms: nonprivate, dp_step_ms: dp, naive_dp_step_ms: naive,
      dp_over_nonprivate: dp / nonprivate, naive_over_dp: naive / dp,
      nonprivate_step_wall_ms: median(times.nonprivate!), dp_step_wall_ms: median(times.dp!), naive_dp_step_wall_ms: median(times.naive!),
      nonprivate_peak_bytes: memory.nonprivate, dp_peak_bytes: memory.dp, naive_dp_peak_bytes: memory.naive,
      step_cpu_ms_samples: cpuTimes, step_wall_ms_samples: times,
      exposure_nonprivate: canary.exposure_nonprivate, exposure_dp: canary.exposure_dp,
      ppl_nonprivate: canary.ppl_nonprivate, ppl_dp: canary.ppl_dp,
      epsilon: canary.epsilon, delta: canary.delta,
      canary,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
