// The whole foundation through the real CLI: tokenizer → training → export (f32/f16/q8_0) → info → generate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { llmos } from "./helpers/cli.ts";
import { sotuText } from "./helpers/corpus.ts";
import { tempDir } from "./helpers/tmp.ts";

test("tokenizer train, train, export, info and generate work end to end", async () => {
  const dir = tempDir();
  const corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, sotuText(300_000));
  const tok = join(dir, "tok.json");

  const t = await llmos(["tokenizer", "train", "--input", corpus, "--vocab-size", "512", "--out", tok]);
  assert.equal(t.code, 0, t.stderr);
  assert.ok(existsSync(tok));

  const out = join(dir, "run");
  const tr = await llmos(["train", "--data", corpus, "--config", "tiny", "--tokenizer", tok, "--out", out, "--max-steps", "30", "--json"]);
  assert.equal(tr.code, 0, tr.stderr);
  const events = tr.stdout.trim().split("\n").map((l) => JSON.parse(l) as { event: string });
  assert.ok(events.some((e) => e.event === "step"));
  assert.equal(events.at(-1)?.event, "done");

  for (const type of ["f32", "f16", "q8_0"]) {
    const gguf = join(dir, `tiny-${type}.gguf`);
    const ex = await llmos(["export", out, "--type", type, "--out", gguf]);
    assert.equal(ex.code, 0, ex.stderr);

    const info = await llmos(["info", gguf, "--json"]);
    assert.equal(info.code, 0, info.stderr);
    const meta = JSON.parse(info.stdout) as { metadata: Record<string, unknown> };
    assert.equal(meta.metadata["general.architecture"], "llama");
    assert.equal(meta.metadata["tokenizer.ggml.model"], "gpt2");

    const gen = await llmos(["generate", gguf, "The people of the United States", "--max-tokens", "16", "--temperature", "0", "--json"]);
    assert.equal(gen.code, 0, gen.stderr);
    const res = JSON.parse(gen.stdout) as { text: string; usage: { completion_tokens: number } };
    assert.ok(res.usage.completion_tokens > 0);
    assert.equal(typeof res.text, "string");
  }

  const human = await llmos(["info", join(dir, "tiny-q8_0.gguf")]);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /llama/);

  // A prompt longer than the context (128 tokens for tiny) is refused with a clear error.
  const long = await llmos(["generate", join(dir, "tiny-q8_0.gguf"), "word ".repeat(400), "--max-tokens", "4"]);
  assert.notEqual(long.code, 0);
  assert.match(long.stderr, /^llmos: error: .*prompt.*limit/m);

  // A truncated checkpoint gives an error naming the file, not garbage weights.
  const step = readFileSync(join(out, "latest"), "utf8").trim();
  const weights = join(out, "checkpoints", step, "model.safetensors");
  truncateSync(weights, Math.floor(statSync(weights).size / 2));
  const bad = await llmos(["export", out, "--out", join(dir, "bad.gguf")]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /^llmos: error: .*model\.safetensors/m);
  assert.doesNotMatch(bad.stderr, /^\s+at /m);
});
