// Checkpoints marked private: tensors sealed at rest (AES-256-GCM envelope), opened only with the data
// directory's master key; a flipped bit is an integrity error; export and the native runtime open them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCheckpoint, saveCheckpoint, train } from "../src/engine/train/index.ts";
import { NativeModel } from "../src/runtime/index.ts";
import { checkpointSealer, SecurityKernel } from "../src/security/index.ts";
import { sotuText } from "./helpers/corpus.ts";
import { runLlmos } from "./helpers/server.ts";
import { tempDir } from "./helpers/tmp.ts";

test("a sealed checkpoint opens only with its master key, detects tampering, and exports", async () => {
  const dir = tempDir();
  const corpus = join(dir, "c.txt");
  writeFileSync(corpus, sotuText(60_000));
  await train({ data: [corpus], config: "tiny", out: join(dir, "plain"), maxSteps: 2, batchSize: 2, seqLen: 32, evalEvery: 100, checkpointEvery: 2, seed: 1 });
  const plain = await loadCheckpoint(join(dir, "plain"));

  const data = join(dir, "data");
  const kernel = SecurityKernel.open({ dataDir: data, env: {} });
  const sealer = checkpointSealer(kernel.cipher);
  const out = join(dir, "private");
  const step = await saveCheckpoint(out, {
    model: plain.config, training: plain.training, weights: plain.weights, optimizer: new Map(), tokenizer: plain.tokenizer, state: plain.state,
  }, sealer);
  try {
    assert.ok(!existsSync(join(step, "model.safetensors")));
    assert.ok(existsSync(join(step, "model.safetensors.sealed")));
    await assert.rejects(loadCheckpoint(out), /is sealed \(a private checkpoint\)/);
    const opened = await loadCheckpoint(out, sealer);
    for (const [name, w] of plain.weights) assert.deepEqual(opened.weights.get(name), w);

    const native = await NativeModel.load(out, sealer);
    await native.dispose();

    const other = SecurityKernel.open({ dataDir: join(dir, "other"), env: {} });
    await assert.rejects(loadCheckpoint(out, checkpointSealer(other.cipher)), /integrity|key/i);
    other.close();

    const file = join(step, "model.safetensors.sealed");
    const bytes = readFileSync(file);
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x10;
    writeFileSync(file, flipped);
    await assert.rejects(loadCheckpoint(out, sealer), /integrity/i);
    writeFileSync(file, bytes);
  } finally {
    kernel.close();
  }
  const gguf = join(dir, "private.gguf");
  const refused = await runLlmos(["export", out, "--out", gguf, "--type", "f32", "--data-dir", join(dir, "other")]);
  assert.notEqual(refused.code, 0);
  const r = await runLlmos(["export", out, "--out", gguf, "--type", "f32", "--data-dir", data]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(readdirSync(dir).includes("private.gguf"));
});
