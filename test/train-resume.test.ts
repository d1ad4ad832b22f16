// Crash safety of training through the real CLI: a run killed with SIGKILL after its first checkpoint,
// then resumed with --resume, ends with the same weights and optimizer state as an uninterrupted run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { readSafetensors } from "../src/engine/safetensors/index.ts";
import { llmos } from "./helpers/cli.ts";
import { sotuText } from "./helpers/corpus.ts";
import { tempDir } from "./helpers/tmp.ts";

const BIN = fileURLToPath(new URL("../bin/llmos.js", import.meta.url));

/** Runs the CLI until it reports its first checkpoint on stdout, then kills it with SIGKILL. */
function runUntilFirstCheckpoint(args: string[]): Promise<{ signal: NodeJS.Signals | null; checkpointStep: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let checkpointStep = -1;
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const event = JSON.parse(line) as { event: string; step: number };
      if (event.event === "checkpoint" && checkpointStep < 0) {
        checkpointStep = event.step;
        child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (checkpointStep < 0) reject(new Error(`training exited (${code}) before its first checkpoint:\n${stderr}`));
      else resolve({ signal, checkpointStep });
    });
  });
}

async function finalTensors(out: string, step: string, file: string): Promise<Map<string, Float32Array>> {
  const { tensors } = await readSafetensors(join(out, "checkpoints", step, file));
  return new Map([...tensors].map(([k, t]) => [k, t.data as Float32Array]));
}

test("kill -9 after the first checkpoint, then --resume: same final weights as an uninterrupted run", async () => {
  const dir = tempDir();
  const corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, sotuText(60_000));
  const args = (out: string) => [
    "train", "--data", corpus, "--config", "tiny", "--out", out, "--vocab-size", "400", "--max-steps", "24",
    "--batch-size", "4", "--seq-len", "48", "--grad-accum", "2", "--checkpoint-every", "4", "--eval-every", "8", "--seed", "5", "--json",
  ];

  const whole = join(dir, "whole");
  const a = await llmos(args(whole), { timeoutMs: 240_000 });
  assert.equal(a.code, 0, a.stderr);

  const crashed = join(dir, "crashed");
  const killed = await runUntilFirstCheckpoint(args(crashed));
  assert.equal(killed.signal, "SIGKILL");
  assert.equal(killed.checkpointStep, 4);

  const b = await llmos([...args(crashed), "--resume"], { timeoutMs: 240_000 });
  assert.equal(b.code, 0, b.stderr);
  const events = b.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  const done = events.at(-1)!;
  assert.equal(done.event, "done");
  assert.equal(done.steps, 24);
  assert.ok((done.resumedFrom as number) >= 4, `resumed from ${String(done.resumedFrom)}`);
  assert.equal((events.find((e) => e.event === "step") as { step: number }).step, (done.resumedFrom as number) + 1);

  const last = "step-00000024";
  for (const file of ["model.safetensors", "optimizer.safetensors"]) {
    const wa = await finalTensors(whole, last, file);
    const wb = await finalTensors(crashed, last, file);
    assert.deepEqual([...wb.keys()].sort(), [...wa.keys()].sort());
    for (const [name, t] of wa) assert.deepEqual(wb.get(name), t, `${file} ${name} differs`);
  }
});
