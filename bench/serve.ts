// Serving benchmark after vLLM's benchmark_serving: TTFT, TPOT, end-to-end latency and output tokens/s
// of the same model and prompts (a) through node-llama-cpp in-process and (b) through LLMasOS over
// HTTP (SSE), at 1, 4 and 16 concurrent clients, side by side in one run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LlamaCppModel, type ModelRuntime } from "../src/runtime/index.ts";
import { sseData } from "../src/runtime/remote/index.ts";
import { newAdminKey, serverEnv, startServer } from "../test/helpers/server.ts";

const GGUF = "models/default/model.gguf";
const KEY = newAdminKey();
const MAX_TOKENS = 128;
const PROMPTS = ["The state of the Union", "Our economy", "I ask the Congress to", "The people of this nation", "In the year ahead", "Our foreign policy", "The Treasury reports", "We must"];

interface Sample { ttftMs: number; e2eMs: number; tokens: number }

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function direct(rt: ModelRuntime, prompt: string): Promise<Sample> {
  const t0 = performance.now();
  let ttft = NaN, tokens = 0;
  for await (const p of rt.stream({ prompt }, { maxTokens: MAX_TOKENS, temperature: 0 })) {
    if (p.type === "text-delta" && Number.isNaN(ttft)) ttft = performance.now() - t0;
    if (p.type === "finish") tokens = p.usage.completionTokens;
    if (p.type === "error") throw p.error;
  }
  return { ttftMs: ttft, e2eMs: performance.now() - t0, tokens };
}

async function overHttp(url: string, prompt: string): Promise<Sample> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "default", prompt, max_tokens: MAX_TOKENS, temperature: 0, stream: true, stream_options: { include_usage: true } }),
  });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  let ttft = NaN, tokens = 0;
  for await (const data of sseData(res.body!)) {
    if (data === "[DONE]") break;
    const chunk = JSON.parse(data) as { choices: { text: string }[]; usage?: { completion_tokens: number } };
    if (Number.isNaN(ttft) && chunk.choices[0]?.text) ttft = performance.now() - t0;
    if (chunk.usage) tokens = chunk.usage.completion_tokens;
  }
  return { ttftMs: ttft, e2eMs: performance.now() - t0, tokens };
}

async function level(concurrency: number, requests: number, one: (prompt: string) => Promise<Sample>) {
  const samples: Sample[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < requests) {
      const i = next++;
      samples.push(await one(PROMPTS[i % PROMPTS.length]!));
    }
  }));
  const wall = (performance.now() - t0) / 1000;
  const tokens = samples.reduce((n, s) => n + s.tokens, 0);
  const tpot = samples.filter((s) => s.tokens > 1).map((s) => (s.e2eMs - s.ttftMs) / (s.tokens - 1));
  return {
    tokens_per_s: tokens / wall,
    ttft_ms_p50: pct(samples.map((s) => s.ttftMs), 50),
    ttft_ms_p99: pct(samples.map((s) => s.ttftMs), 99),
    tpot_ms_p50: pct(tpot, 50),
    latency_ms_p50: pct(samples.map((s) => s.e2eMs), 50),
    latency_ms_p99: pct(samples.map((s) => s.e2eMs), 99),
    requests: samples.length,
  };
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const levels = [1, 4, 16];
  const perLevel = (c: number) => Math.max(8, 2 * c) * (args.includes("--quick") ? 1 : 2);
  const directRuns = new Map<number, Awaited<ReturnType<typeof level>>>();
  const rt = await LlamaCppModel.load(GGUF, { slots: 16 });
  try {
    await direct(rt, "warm up");
    for (const c of levels) directRuns.set(c, await level(c, perLevel(c), (p) => direct(rt, p)));
  } finally {
    await rt.dispose();
  }
  const dir = mkdtempSync(join(tmpdir(), "llmos-bench-"));
  const server = await startServer(["--data-dir", dir, "--slots", "16"], serverEnv(KEY));
  const osRuns = new Map<number, Awaited<ReturnType<typeof level>>>();
  try {
    await overHttp(server.url, "warm up");
    for (const c of levels) osRuns.set(c, await level(c, perLevel(c), (p) => overHttp(server.url, p)));
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const runs = levels.map((c) => {
    const d = directRuns.get(c)!, o = osRuns.get(c)!;
    return {
      concurrency: c,
      direct_tokens_per_s: d.tokens_per_s, os_tokens_per_s: o.tokens_per_s, os_over_direct: o.tokens_per_s / d.tokens_per_s,
      direct_ttft_ms_p50: d.ttft_ms_p50, os_ttft_ms_p50: o.ttft_ms_p50, os_added_ttft_ms_p50: o.ttft_ms_p50 - d.ttft_ms_p50,
      direct_tpot_ms_p50: d.tpot_ms_p50, os_tpot_ms_p50: o.tpot_ms_p50,
      direct_latency_ms_p50: d.latency_ms_p50, direct_latency_ms_p99: d.latency_ms_p99,
      os_latency_ms_p50: o.latency_ms_p50, os_latency_ms_p99: o.latency_ms_p99,
      requests: o.requests,
    };
  });
  const one = runs[0]!, sixteen = runs[2]!;
  return {
    model: GGUF, max_tokens: MAX_TOKENS, slots: 16,
    runs,
    targets: {
      one_client_os_keeps_95pct: one.os_over_direct >= 0.95,
      one_client_added_ttft_le_2ms: one.os_added_ttft_ms_p50 <= 2,
      sixteen_clients_ge_2_5x_one: sixteen.os_tokens_per_s >= 2.5 * one.os_tokens_per_s,
    },
  };
}
