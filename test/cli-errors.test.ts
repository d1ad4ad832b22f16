// Bad input through the real CLI: one clear line naming the file or field, a non-zero exit, no stack trace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { llmos, type CliResult } from "./helpers/cli.ts";
import { tempDir } from "./helpers/tmp.ts";

function assertCleanError(r: CliResult, mentions: RegExp): void {
  assert.notEqual(r.code, 0, `expected failure, got success: ${r.stdout}`);
  const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("llmos: error:"));
  assert.equal(lines.length, 1, `expected one error line, got:\n${r.stderr}`);
  assert.match(lines[0]!, mentions);
  assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace without --debug");
}

const dir = tempDir();
const corpus = join(dir, "c.txt");
writeFileSync(corpus, "Some words to train on. ".repeat(400));

test("help and unknown commands", async () => {
  const h = await llmos(["--help"]);
  assert.equal(h.code, 0);
  for (const c of ["tokenizer train", "train", "export", "info", "generate"]) assert.match(h.stdout, new RegExp(`\\b${c}\\b`));
  assertCleanError(await llmos(["frobnicate"]), /unknown command 'frobnicate'/);
});

test("corrupt and truncated GGUF files", async () => {
  const junk = join(dir, "junk.gguf");
  writeFileSync(junk, randomBytes(4096));
  assertCleanError(await llmos(["info", junk]), /junk\.gguf/);
  assertCleanError(await llmos(["generate", junk, "hello"]), /junk\.gguf/);
  const empty = join(dir, "empty.gguf");
  writeFileSync(empty, "");
  assertCleanError(await llmos(["info", empty]), /empty\.gguf/);
  assertCleanError(await llmos(["info", join(dir, "missing.gguf")]), /missing\.gguf/);
});

test("unknown preset, invalid hyper-parameters, empty corpus", async () => {
  const out = join(dir, "o");
  assertCleanError(await llmos(["train", "--data", corpus, "--config", "gigantic", "--out", out]), /gigantic/);
  assertCleanError(await llmos(["train", "--data", corpus, "--config", "tiny", "--out", out, "--lr", "-1"]), /lr/);
  assertCleanError(await llmos(["train", "--data", corpus, "--config", "tiny", "--out", out, "--max-steps", "abc"]), /max-steps/);
  const emptyCorpus = join(dir, "empty.txt");
  writeFileSync(emptyCorpus, "");
  assertCleanError(await llmos(["train", "--data", emptyCorpus, "--config", "tiny", "--out", out]), /empty/i);
  const badConfig = join(dir, "cfg.json");
  writeFileSync(badConfig, JSON.stringify({ dim: 64, nLayers: 0 }));
  assertCleanError(await llmos(["train", "--data", corpus, "--config", badConfig, "--out", out]), /cfg\.json|nLayers|config/);
});

test("--debug prints the stack", async () => {
  const r = await llmos(["info", join(dir, "missing.gguf"), "--debug"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^\s+at /m);
});

test("serve refuses bad --threads and LLMOS_THREADS before starting", async () => {
  assertCleanError(await llmos(["serve", "--port", "0", "--data-dir", join(dir, "srv"), "--threads", "two"]), /--threads/);
  assertCleanError(await llmos(["serve", "--port", "0", "--data-dir", join(dir, "srv"), "--threads", "-1"]), /--threads/);
  assertCleanError(await llmos(["serve", "--port", "0", "--data-dir", join(dir, "srv")], { env: { LLMOS_THREADS: "many" } }), /LLMOS_THREADS/);
});
