// `llmos train --scrub`: the trainer reads only PII-scrubbed copies of its corpus.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runLlmos } from "./helpers/server.ts";
import { tempDir } from "./helpers/tmp.ts";

test("train --scrub replaces names and cards before training and reports what it found", async () => {
  const dir = tempDir();
  const corpus = join(dir, "notes.txt");
  writeFileSync(corpus, "Dear John Smith, your card 4111 1111 1111 1111 is ready. The Congress met in Washington.\n".repeat(200));
  const r = await runLlmos(["train", "--data", corpus, "--config", "tiny", "--out", join(dir, "run"), "--max-steps", "2", "--batch-size", "2", "--seq-len", "16", "--scrub"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /scrubbed notes\.txt: .*CREDIT_CARD/);
  const [file] = readdirSync(join(dir, "run", "scrubbed"));
  const text = readFileSync(join(dir, "run", "scrubbed", file!), "utf8");
  assert.ok(!text.includes("4111") && !text.includes("John Smith"));
  assert.match(text, /<CREDIT_CARD_1>/);
});
