// Crash safety of DP training through the real CLI: `llmos train --dp` killed with SIGKILL after its
// first checkpoint, then run again with --resume, ends with the same steps, ε, model-card privacy
// section and budget ledger as an uninterrupted run (one debit, not two), and its weights continue
// from the checkpoint's (the noise comes from the CSPRNG, so the weights themselves differ).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { readSafetensors } from "../src/engine/safetensors/index.ts";
import { trainBpe } from "../src/engine/tokenizer/index.ts";
import { DpBudgetStore } from "../src/privacy/dp/index.ts";
import { llmos } from "./helpers/cli.ts";
import { sotuText } from "./helpers/corpus.ts";
import { tempDir } from "./helpers/tmp.ts";

const BIN = fileURLToPath(new URL("../bin/llmos.js", import.meta.url));

/** Runs the CLI until it reports its first checkpoint on stdout, then kills it with SIGKILL. */
function runUntilFirstCheckpoint(args: string[]): Promise<{ signal: NodeJS.Signals | null; step: number; dir: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let first: { step: number; dir: string } | undefined;
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const e = JSON.parse(line) as { type: string; step: number; dir: string };
      if (e.type === "checkpoint" && !first) {
        first = { step: e.step, dir: e.dir };
        child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (!first) reject(new Error(`DP training exited (${code}) before its first checkpoint:\n${stderr}`));
      else resolve({ signal, ...first });
    });
  });
}

async function weights(stepDir: string): Promise<Map<string, Float32Array>> {
  const { tensors } = await readSafetensors(join(stepDir, "model.safetensors"));
  return new Map([...tensors].map(([k, t]) => [k, t.data as Float32Array]));
}

function distance(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let s = 0;
  for (const [name, x] of a) {
    const y = b.get(name)!;
    for (let i = 0; i < x.length; i++) s += (x[i]! - y[i]!) ** 2;
  }
  return Math.sqrt(s);
}

test("train --dp killed with SIGKILL after the first checkpoint, then --resume: same steps, ε, card and one debit", async () => {
  const dir = tempDir("llmos-dp-kill-");
  const text = sotuText(40_000);
  const corpus = join(dir, "notes.txt");
  writeFileSync(corpus, text.slice(0, 10_000));
  const tok = join(dir, "tok.json");
  await trainBpe([text.slice(10_000)], { vocabSize: 300 }).save(tok);
  const dataDir = join(dir, "data");
  const store = DpBudgetStore.open(join(dataDir, "llmos.db"));
  for (const id of ["whole", "crashed"]) {
    store.registerDataset({ tenant: "clinic", id, owner: "dr", source: corpus, format: "jsonl", schema: [], privacyUnit: "sequence", epsilonTotal: 10, deltaTotal: 1e-4 });
  }
  store.close();
  const args = (out: string, id: string) => [
    "train", "--dp", "--data", corpus, "--config", "tiny", "--tokenizer", tok, "--out", out, "--seq-len", "32", "--batch-size", "8",
    "--max-steps", "8", "--checkpoint-every", "2", "--epsilon", "4", "--delta", "1e-5", "--clip", "1", "--lr", "3e-3", "--seed", "3",
    "--dataset", id, "--tenant", "clinic", "--data-dir", dataDir, "--json",
  ];
  const lines = (s: string) => s.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);

  const whole = join(dir, "whole");
  const a = await llmos(args(whole, "whole"), { timeoutMs: 120_000 });
  assert.equal(a.code, 0, a.stderr);
  const doneA = lines(a.stdout).at(-1)!;
  assert.equal(doneA.type, "done");
  assert.equal(doneA.steps, 8);
  assert.equal(doneA.resumed_from, null);

  const crashed = join(dir, "crashed");
  const killed = await runUntilFirstCheckpoint(args(crashed, "crashed"));
  assert.equal(killed.signal, "SIGKILL");
  assert.equal(killed.step, 2);
  // Keep the checkpoint the resume starts from (older ones are pruned as training goes on).
  cpSync(killed.dir, join(dir, "ckpt-at-kill"), { recursive: true });

  // The non-private trainer refuses to continue a DP run: its card would claim ε for steps without DP.
  const plain = await llmos(["train", "--data", corpus, "--config", "tiny", "--tokenizer", tok, "--out", crashed, "--seq-len", "32", "--batch-size", "8", "--max-steps", "8", "--resume"], { timeoutMs: 60_000 });
  assert.notEqual(plain.code, 0);
  assert.match(plain.stderr, /differentially private run.*train --dp --resume/);

  const b = await llmos([...args(crashed, "crashed"), "--resume"], { timeoutMs: 120_000 });
  assert.equal(b.code, 0, b.stderr);
  const events = lines(b.stdout);
  const doneB = events.at(-1)!;
  assert.equal(doneB.type, "done");
  const from = doneB.resumed_from as number;
  assert.ok(from >= 2 && from < 8, `resumed from ${from}`);
  assert.equal((events.find((e) => e.type === "step") as { step: number }).step, from + 1);
  assert.equal(doneB.steps, doneA.steps);
  assert.equal(doneB.epsilon, doneA.epsilon);
  assert.equal(doneB.noise_multiplier, doneA.noise_multiplier);

  const cardA = JSON.parse(readFileSync(join(whole, "model-card.json"), "utf8"));
  const cardB = JSON.parse(readFileSync(join(crashed, "model-card.json"), "utf8"));
  assert.deepEqual(cardB.privacy, cardA.privacy);
  assert.equal(cardB.dataset.sha256, cardA.dataset.sha256);
  assert.equal(cardB.dataset.budget.epsilon, cardA.dataset.budget.epsilon);
  assert.equal(cardB.training.resumed_from, from);

  // The budget: one debit per run, of the same ε; the resume debited nothing.
  const s2 = DpBudgetStore.open(join(dataDir, "llmos.db"));
  const la = s2.ledger("clinic", "whole");
  const lb = s2.ledger("clinic", "crashed");
  const spentA = s2.budget("clinic", "whole").epsilon_spent;
  const spentB = s2.budget("clinic", "crashed").epsilon_spent;
  s2.close();
  assert.equal(la.length, 1);
  assert.equal(lb.length, 1);
  assert.equal(lb[0]!.epsilon, la[0]!.epsilon);
  assert.equal(spentB, spentA);
  assert.equal(cardB.dataset.budget.ledger_seq, lb[0]!.seq);

  // Training continued from the checkpoint: the resumed run's final weights are nearer the checkpoint
  // it resumed (which had 2 steps) than the uninterrupted run's, which only shares the initialisation.
  const atKill = await weights(join(dir, "ckpt-at-kill"));
  const finalB = await weights(doneB.checkpoint as string);
  const finalA = await weights(doneA.checkpoint as string);
  if (from === 2) {
    const dB = distance(finalB, atKill);
    const dA = distance(finalA, atKill);
    assert.ok(dB < 0.9 * dA, `resumed weights are ${dB} from the checkpoint, an independent run's ${dA}`);
  }
});
