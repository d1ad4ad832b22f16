// Admission and load: a full queue answers 429 with Retry-After; 64 concurrent streaming clients for
// a bounded time (LLMOS_LOAD_SECONDS, default 60) get no 5xx and the server's memory stays bounded.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { newAdminKey, serverEnv, startServer } from "./helpers/server.ts";
import { tempDir } from "./helpers/tmp.ts";

const KEY = newAdminKey();
/** Old-space cap of the server under load: the steady heap after GC is ~185 MiB (analyzer lexicons included). */
const HEAP_CAP_MIB = 384;
const dir = tempDir();

const rssBytes = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;

function stream(url: string, maxTokens: number): Promise<{ status: number; retryAfter: string | null; text: string }> {
  return fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "default", prompt: "The state of the Union", max_tokens: maxTokens, temperature: 0.8, stream: true }),
  }).then(async (r) => ({ status: r.status, retryAfter: r.headers.get("retry-after"), text: await r.text() }));
}

test("a full queue answers 429 with Retry-After and the admitted requests complete", async () => {
  const server = await startServer(["--data-dir", join(dir, "q"), "--slots", "1", "--max-queue", "2"], serverEnv(KEY));
  try {
    const results = await Promise.all(Array.from({ length: 10 }, () => stream(server.url, 200)));
    const ok = results.filter((r) => r.status === 200);
    const full = results.filter((r) => r.status === 429);
    assert.ok(ok.length >= 3, `admitted ${ok.length}`);
    assert.ok(full.length >= 1, "nobody was refused");
    assert.equal(ok.length + full.length, 10);
    for (const r of full) {
      assert.ok(Number(r.retryAfter) >= 1);
      assert.equal(JSON.parse(r.text).error.code, "queue_full");
    }
    for (const r of ok) assert.ok(r.text.endsWith("data: [DONE]\n\n"));
  } finally {
    await server.stop();
  }
});

test("64 concurrent streaming clients: zero 5xx, every stream completes, memory bounded", async () => {
  const seconds = Number(process.env.LLMOS_LOAD_SECONDS ?? 60);
  const server = await startServer(["--data-dir", join(dir, "load")], { ...serverEnv(KEY), NODE_OPTIONS: `--max-old-space-size=${HEAP_CAP_MIB}` });
  try {
    await stream(server.url, 4); // load the model before measuring
    const baseline = rssBytes(server.process.pid!);
    const deadline = Date.now() + seconds * 1000;
    const statuses = new Map<number, number>();
    let incomplete = 0;
    let peak = baseline;
    const samples: number[] = [];
    const sampler = setInterval(() => {
      const rss = rssBytes(server.process.pid!);
      samples.push(rss);
      peak = Math.max(peak, rss);
    }, 500);
    const client = async () => {
      while (Date.now() < deadline) {
        const r = await stream(server.url, 64);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 200 && !r.text.endsWith("data: [DONE]\n\n")) incomplete++;
      }
    };
    await Promise.all(Array.from({ length: 64 }, client));
    clearInterval(sampler);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    const fivexx = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
    assert.equal(fivexx, 0, `5xx answers: ${JSON.stringify([...statuses])}`);
    assert.equal(statuses.get(200), total, `statuses: ${JSON.stringify([...statuses])}`);
    assert.equal(incomplete, 0);
    assert.ok(total >= 64);
    // Bounded: the server runs with its JavaScript heap capped (a leak would crash it, failing every
    // stream still open), and its resident memory stays within that cap of the idle server. Without a
    // cap V8 grows the heap lazily, so an RSS figure alone would not tell a leak from a late GC.
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
    if (process.env.LLMOS_LOAD_DEBUG) console.log({ baseline: mib(baseline), peak: mib(peak), samples: samples.length });
    assert.equal(server.process.exitCode, null, "the server died under load");
    assert.ok(peak - baseline < HEAP_CAP_MIB * 2 ** 20, `RSS grew by ${mib(peak - baseline)}`);
  } finally {
    await server.stop();
  }
});
