// DP training benchmark, side by side in one run on the same model (tiny preset), batch and data:
// non-private step (engine gradients + AdamW), efficient DP step (taps, per-example norms,
// book-keeping clipped sum, noise, AdamW) and the naive per-example loop; peak tensor memory of
// each (tf.profile); then the canary experiment: exposure and validation perplexity without and
// with DP at ε = 8; plus a DP step training only rank-8 LoRA adapters, and the same comparison on
// short (16-token) sequences. The honest ceiling of "naive ÷ efficient" is measured beside them:
// B single-example NON-PRIVATE passes ÷ one batch-B non-private step (a DP step costs at least a
// non-private one, and the naive loop at least the single-example passes), also at a longer
// sequence and a larger batch; and whether tfjs-wasm's threaded build runs under Node at all.
// Args: [batch=64] [seqLen=64] [reps=5] [canarySteps=150].
import { execFile } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os, { tmpdir } from "node:os";
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
  /** B single-example non-private forward+backward passes, accumulated (gradient accumulation with micro-batch 1). */
  loop: number;
  wall: Record<string, number>;
  peakBytes: Record<string, number>;
  cpuSamples: Record<string, number[]>;
  wallSamples: Record<string, number[]>;
}

/** Median CPU and wall ms per step of the three ways, interleaved, on B sequences of T+1 tokens. */
async function measureSteps(ids: number[], vocab: number, B: number, T: number, reps: number, withLora = true): Promise<StepTimes> {
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
    // The same non-private step, one example per forward/backward: what the naive DP loop costs
    // before any clipping, so (this ÷ nonprivate) bounds naive ÷ dp from above.
    nonprivate_loop: () => {
      const rows = sequences.map((s) => tf.tensor2d(s, [1, T + 1], "int32"));
      const { grads } = accumulateGradients(model, rows);
      tf.dispose(rows);
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
  if (!withLora) delete steps.dp_lora;
  const wallSamples: Record<string, number[]> = Object.fromEntries(Object.keys(steps).map((k) => [k, []]));
  const cpuSamples: Record<string, number[]> = Object.fromEntries(Object.keys(steps).map((k) => [k, []]));
  const peakBytes: Record<string, number> = {};
  for (const [name, f] of Object.entries(steps)) {
    f(); // warm-up
    peakBytes[name] = (await tf.profile(f)).peakBytes;
  }
  // Interleaved, so load from other processes on the machine hits all three alike.
  for (let r = 0; r < reps; r++) {
    for (const [name, f] of Object.entries(steps)) {
      if ((name === "naive" || name === "nonprivate_loop") && r >= Math.max(3, Math.ceil(reps / 2))) continue;
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
  const lora = withLora ? median(cpuSamples.dp_lora!) : NaN;
  return { nonprivate: median(cpuSamples.nonprivate!), dp: median(cpuSamples.dp!), naive: median(cpuSamples.naive!), lora, loop: median(cpuSamples.nonprivate_loop!), wall, peakBytes, cpuSamples, wallSamples };
}

/** The ratios of one configuration: efficient DP vs non-private, naive vs efficient, and the ceiling. */
function ratios(t: StepTimes, B: number, T: number): Record<string, number> {
  return {
    batch_size: B, seq_len: T, nonprivate_step_ms: t.nonprivate, dp_step_ms: t.dp, naive_dp_step_ms: t.naive, nonprivate_loop_step_ms: t.loop,
    dp_over_nonprivate: t.dp / t.nonprivate, naive_over_dp: t.naive / t.dp,
    nonprivate_loop_over_batched: t.loop / t.nonprivate, naive_over_nonprivate_loop: t.naive / t.loop,
  };
}

/**
 * Whether tfjs-backend-wasm's threaded SIMD build initialises under this Node (tfjs turns it off
 * under Node, tfjs issue #3830): a child process forces the flag and times a 512² matmul with 1 and
 * 2 threads. Returns what happened, never throws.
 */
export function probeWasmThreads(): Promise<Record<string, unknown>> {
  const code = `
    import * as tf from "@tensorflow/tfjs"; import * as wasm from "@tensorflow/tfjs-backend-wasm";
    const n = Number(process.argv[1]);
    if (n > 1) { tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true); wasm.setThreadsCount(n); }
    let err = ""; const keep = (...a) => { err += a.map(String).join(" ").split("\\n")[0] + " | "; };
    const saved = [console.error, console.warn, console.log]; console.error = console.warn = console.log = keep;
    const ok = await tf.setBackend("wasm").catch((e) => { err += String(e); return false; });
    [console.error, console.warn, console.log] = saved;
    if (!ok) { console.log(JSON.stringify({ ok: false, error: err.slice(0, 300) })); process.exit(0); }
    const a = tf.randomNormal([512, 512]); const b = tf.randomNormal([512, 512]);
    for (let i = 0; i < 3; i++) tf.matMul(a, b).dataSync();
    const t0 = performance.now(); for (let i = 0; i < 20; i++) tf.matMul(a, b).dataSync();
    console.log(JSON.stringify({ ok: true, threads: wasm.getThreadsCount(), matmul512_ms: (performance.now() - t0) / 20 }));
    process.exit(0);`;
  const one = (n: number) => new Promise<Record<string, unknown>>((resolve) => {
    execFile(process.execPath, ["--input-type=module", "-e", code, String(n)], { timeout: 60_000 }, (error, stdout) => {
      const line = stdout.trim().split("\n").at(-1) ?? "";
      try {
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        resolve({ ok: false, error: error ? String(error.message).slice(0, 300) : "no output" });
      }
    });
  });
  return (async () => ({ one_thread: await one(1), two_threads: await one(2) }))();
}

/**
 * BENCHMARK ONLY: makes tfjs-wasm's threaded SIMD build start under Node. Its pthread workers are
 * created from blob: URLs, which Node's Worker refuses (ERR_WORKER_PATH), so the worker script and
 * the module factory go to temporary files instead; its thread pool is capped at half the logical
 * cores, so os.cpus() is widened to let `threads` through. Must run before initBackend().
 */
function enableWasmThreads(threads: number): void {
  const require = createRequire(import.meta.url);
  const factory = require("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js") as { default?: () => unknown } & (() => unknown);
  const { wasmWorkerContents } = require("@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js") as { wasmWorkerContents: string };
  const dir = mkdtempSync(join(tmpdir(), "llmos-wasm-threads-"));
  const main = join(dir, "main.cjs");
  writeFileSync(main, `var WasmBackendModuleThreadedSimd = ${(factory.default ?? factory).toString()}`);
  const worker = join(dir, "worker.cjs");
  writeFileSync(worker, `URL.createObjectURL = () => ${JSON.stringify(main)}; URL.revokeObjectURL = () => {};\n${wasmWorkerContents.replace(/\n/g, "\\n")}`);
  URL.createObjectURL = () => worker;
  const cpus = os.cpus();
  os.cpus = () => Array.from({ length: Math.max(cpus.length, 2 * threads) }, () => cpus[0]!);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  setThreadsCount(threads);
}

/** Child-process entry: the main comparison with `threads` XNNPACK threads (wall-clock; CPU time sums the threads). */
export async function threadedRatios(threads: number, B: number, T: number, reps: number): Promise<void> {
  enableWasmThreads(threads);
  await initBackend();
  const wasm = (await import("@tensorflow/tfjs-backend-wasm")) as { getThreadsCount(): number };
  const { ids, vocab } = benchData();
  const t = await measureSteps(ids, vocab, B, T, reps, false);
  const wall = { ...t, nonprivate: t.wall.nonprivate!, dp: t.wall.dp!, naive: t.wall.naive!, loop: t.wall.nonprivate_loop! };
  process.stdout.write(`${JSON.stringify({ threads: wasm.getThreadsCount(), timing: "median wall ms per step", ...ratios(wall, B, T) })}\n`);
  process.exit(0);
}

function runThreaded(threads: number, B: number, T: number, reps: number): Promise<Record<string, unknown>> {
  const code = `import(${JSON.stringify(import.meta.url)}).then((m) => m.threadedRatios(${threads}, ${B}, ${T}, ${reps}))`;
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "-e", code], { timeout: 600_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      try {
        resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as Record<string, unknown>);
      } catch {
        resolve({ threads, error: (error ? String(error.message) : stderr).slice(0, 400) });
      }
    });
  });
}

let data: { ids: number[]; vocab: number; text: string; tokenizer: ReturnType<typeof trainBpe> } | undefined;
function benchData(): NonNullable<typeof data> {
  if (!data) {
    const text = sotuText(600_000);
    const tokenizer = trainBpe([text.slice(300_000)], { vocabSize: 512 });
    data = { ids: tokenizer.encode(text.slice(0, 200_000)), vocab: tokenizer.vocabSize, text, tokenizer };
  }
  return data;
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  await initBackend();
  const B = Number(args[0] ?? 64);
  const T = Number(args[1] ?? 64);
  const reps = Number(args[2] ?? 5);
  const canarySteps = Number(args[3] ?? 150);
  const { ids, text, tokenizer } = benchData();
  const main = await measureSteps(ids, tokenizer.vocabSize, B, T, reps);
  // Short sequences: per-pass overhead dominates, which is where the naive loop pays most.
  const short = await measureSteps(ids, tokenizer.vocabSize, B, 16, reps);
  const shortRow = ratios(short, B, 16);
  // Does more work per pass (longer sequences, a larger batch) change the ratios?
  const scaling = [ratios(short, B, 16), ratios(main, B, T)];
  for (const [b, t] of [[B, T * 2], [B * 2, T]] as const) scaling.push(ratios(await measureSteps(ids, tokenizer.vocabSize, b, t, Math.min(reps, 3), false), b, t));
  const wallRatios = (t: StepTimes) => ({ threads: 1, timing: "median wall ms per step", ...ratios({ ...t, nonprivate: t.wall.nonprivate!, dp: t.wall.dp!, naive: t.wall.naive!, loop: t.wall.nonprivate_loop! }, B, T) });
  const threads = { stock: await probeWasmThreads(), one_thread_wall: wallRatios(main), patched_2_threads: await runThreaded(2, B, T, Math.min(reps, 3)) };
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
      // The ceiling of naive_over_dp on this hardware: a DP step costs at least the batched non-private
      // step and the naive loop at least the single-example passes, so naive ÷ dp ≲ this ratio (plus the
      // naive loop's own clip-and-sum, naive_over_nonprivate_loop).
      nonprivate_loop_step_ms: main.loop, nonprivate_loop_over_batched: main.loop / main.nonprivate,
      naive_over_nonprivate_loop: main.naive / main.loop,
      naive_over_dp_5x_reachable: (main.naive / main.nonprivate) >= 5,
      scaling, wasm_threads: threads,
      nonprivate_step_wall_ms: main.wall.nonprivate, dp_step_wall_ms: main.wall.dp, naive_dp_step_wall_ms: main.wall.naive,
      nonprivate_peak_bytes: main.peakBytes.nonprivate, dp_peak_bytes: main.peakBytes.dp, naive_dp_peak_bytes: main.peakBytes.naive,
      nonprivate_loop_step_wall_ms: main.wall.nonprivate_loop,
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
