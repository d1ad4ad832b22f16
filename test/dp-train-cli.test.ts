// `llmos train-dp` through runCli: bad input names its flag, a run debits the dataset's budget and
// writes model-card.json beside the checkpoint and the exported GGUF, a spent budget refuses the
// next run before training, and fine-tuning --from a checkpoint with --scrub works.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { test } from "node:test";
import { trainDpCommand } from "../src/cli/commands/train-dp.ts";
import { runCli } from "../src/cli/run.ts";
import { loadLlamaGguf, readGguf } from "../src/engine/gguf/index.ts";
import { trainBpe } from "../src/engine/tokenizer/index.ts";
import { exportDpLoraGguf, trainDp } from "../src/learning/dp/index.ts";
import { DpBudgetStore } from "../src/privacy/dp/index.ts";
import { checkContract, ContractRefusedError, type Contract } from "../src/security/index.ts";
import { sotuText } from "./helpers/corpus.ts";
import { tempDir } from "./helpers/tmp.ts";

const dir = tempDir("llmos-dp-train-");
const text = sotuText(60_000);
const data = join(dir, "notes.txt");
writeFileSync(data, `${text.slice(0, 12_000)}\n\nPatient John Smith, phone +1 212 555 0147, email john.smith@example.com.\n`);
const tok = join(dir, "tok.json");
const dataDir = join(dir, "llmos-data");

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const sink = (f: (s: string) => void) => new Writable({ write(chunk, _enc, cb) { f(String(chunk)); cb(); } });
  const code = await runCli([trainDpCommand], argv, { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), debug: false });
  return { code, out, err };
}

const BASE = ["train-dp", "--data", data, "--config", "tiny", "--seq-len", "32", "--batch-size", "8", "--max-steps", "4"];

test("bad input: ε ≤ 0, δ ≥ 1/n, clip ≤ 0, missing tokenizer, each named", async () => {
  await trainBpe([text.slice(20_000)], { vocabSize: 300 }).save(tok);
  const cases: [string[], RegExp][] = [
    [["--epsilon", "0", "--delta", "1e-5", "--clip", "1"], /--epsilon: must be a finite number > 0/],
    [["--epsilon", "-3", "--delta", "1e-5", "--clip", "1"], /--epsilon/],
    [["--epsilon", "8", "--delta", "0.5", "--clip", "1"], /--delta: must be below 1\/n/],
    [["--epsilon", "8", "--delta", "1e-5", "--clip", "0"], /--clip: must be a finite number > 0/],
    [["--epsilon", "8", "--delta", "1e-5"], /--clip: is required/],
  ];
  for (const [flags, pattern] of cases) {
    const r = await cli(...BASE, "--tokenizer", tok, "--out", join(dir, "bad"), ...flags);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, pattern);
  }
  const noTok = await cli(...BASE, "--out", join(dir, "bad"), "--epsilon", "8", "--delta", "1e-5", "--clip", "1");
  assert.match(noTok.err, /--tokenizer: DP training from scratch needs a tokenizer/);
});

test("a DP run debits the dataset budget first, writes the model card beside checkpoint and GGUF; a spent budget refuses", async () => {
  const store = DpBudgetStore.open(join(dataDir, "llmos.db"));
  store.registerDataset({ tenant: "clinic", id: "notes", owner: "dr", source: data, format: "jsonl", schema: [], privacyUnit: "sequence", epsilonTotal: 3, deltaTotal: 1e-4 });
  store.close();
  const gguf = join(dir, "export", "model.gguf");
  const out = join(dir, "run1");
  const r = await cli(...BASE, "--tokenizer", tok, "--out", out, "--epsilon", "2", "--delta", "1e-5", "--clip", "1",
    "--dataset", "notes", "--tenant", "clinic", "--data-dir", dataDir, "--export", gguf, "--json");
  assert.equal(r.code, 0, r.err);
  const done = JSON.parse(r.out.trim().split("\n").at(-1)!);
  assert.equal(done.steps, 4);
  assert.ok(done.epsilon <= 2 && done.epsilon > 1.5);
  // Progress events carry no training loss or batch size: both are computed on private data
  // outside the guarantee.
  const steps = r.out.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.type === "step");
  assert.equal(steps.length, 4);
  for (const e of steps) assert.deepEqual(Object.keys(e).sort(), ["epsilon", "step", "totalSteps", "type"]);
  const ck = JSON.parse(readFileSync(join(done.checkpoint, "state.json"), "utf8")) as { lastTrainLoss?: unknown };
  assert.equal(ck.lastTrainLoss, null);
  for (const cardPath of [done.model_card, join(out, "model-card.json"), join(dir, "export", "model-card.json")]) {
    const card = JSON.parse(readFileSync(cardPath, "utf8"));
    assert.deepEqual(Object.keys(card.privacy).slice(0, 7), ["epsilon", "delta", "accountant", "noise_multiplier", "sampling_rate", "steps", "clip"]);
    assert.equal(card.privacy.delta, 1e-5);
    assert.equal(card.privacy.accountant, "rdp");
    assert.equal(card.privacy.steps, 4);
    assert.equal(card.privacy.clip, 1);
    assert.match(card.dataset.sha256, /^[0-9a-f]{64}$/);
    assert.equal(card.dataset.budget.id, "notes");
  }
  assert.ok(existsSync(join(done.checkpoint, "model.safetensors")));
  const loaded = await loadLlamaGguf(gguf);
  assert.equal(loaded.config.dim, 64);

  const s2 = DpBudgetStore.open(join(dataDir, "llmos.db"));
  const status = s2.budget("clinic", "notes");
  s2.close();
  assert.ok(Math.abs(status.epsilon_spent - done.epsilon) < 1e-6, `spent ${status.epsilon_spent}`);
  // 3 − ~2 left: a second ε = 2 run is refused before it trains anything.
  const again = await cli(...BASE, "--tokenizer", tok, "--out", join(dir, "run2"), "--epsilon", "2", "--delta", "1e-5", "--clip", "1", "--dataset", "notes", "--tenant", "clinic", "--data-dir", dataDir);
  assert.equal(again.code, 1);
  assert.match(again.err, /budget/i);
  assert.ok(!existsSync(join(dir, "run2", "latest")));
});

test("fine-tuning --from a checkpoint with a fixed σ and --scrub", async () => {
  const out = join(dir, "ft");
  const r = await cli("train-dp", "--data", data, "--from", join(dir, "run1"), "--seq-len", "32", "--batch-size", "8", "--max-steps", "3",
    "--noise-multiplier", "1.2", "--delta", "1e-5", "--clip", "0.5", "--accountant", "pld", "--optimizer", "sgd", "--scrub", "--out", out, "--json");
  assert.equal(r.code, 0, r.err);
  const card = JSON.parse(readFileSync(join(out, "model-card.json"), "utf8"));
  assert.equal(card.privacy.noise_multiplier, 1.2);
  assert.equal(card.privacy.accountant, "pld");
  assert.equal(card.privacy.target_epsilon, null);
  assert.ok(card.privacy.epsilon > 0);
  assert.equal(card.dataset.scrubbed, true);
  assert.match(card.base, /run1/);
  assert.ok(!existsSync(join(out, ".scrubbed")), "scrubbed copies are removed");
});

test("fine-tuning the shipped default model (GGUF) with DP and LoRA adapters, exported merged", async () => {
  const out = join(dir, "ft-default");
  const r = await cli("train-dp", "--data", data, "--from", "models/default/model.gguf", "--seq-len", "32", "--batch-size", "4", "--micro-batch", "2",
    "--max-steps", "2", "--epsilon", "4", "--delta", "1e-5", "--clip", "1", "--lora-rank", "4", "--lr", "0.01", "--out", out,
    "--export", join(dir, "ft-default-gguf", "merged.gguf"), "--export-lora", join(dir, "ft-default-gguf", "adapter.gguf"), "--json");
  assert.equal(r.code, 0, r.err);
  const card = JSON.parse(readFileSync(join(out, "model-card.json"), "utf8"));
  assert.equal(card.base, "models/default/model.gguf");
  assert.equal(card.privacy.steps, 2);
  assert.ok(card.privacy.epsilon <= 4);
  assert.equal(card.training.lora.rank, 4);
  // The merged GGUF differs from the base only in the adapted matrices.
  const base = await loadLlamaGguf("models/default/model.gguf");
  const merged = await loadLlamaGguf(join(dir, "ft-default-gguf", "merged.gguf"));
  const diff = (name: string) => {
    const a = base.weights.get(name)!;
    const b = merged.weights.get(name)!;
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
    return d;
  };
  assert.ok(diff("blk.0.attn_q.weight") > 0, "adapters changed the attention matrix");
  assert.ok(diff("token_embd.weight") < 1e-3 && diff("blk.0.attn_norm.weight") === 0, "frozen tensors stay (up to f16 export rounding)");
  assert.ok(existsSync(join(dir, "ft-default-gguf", "model-card.json")));
  const adapter = await readGguf(join(dir, "ft-default-gguf", "adapter.gguf"));
  assert.equal(adapter.metadata.get("general.type")?.value, "adapter");
  assert.equal(adapter.metadata.get("adapter.type")?.value, "lora");
  // 7 adapted matrices per block, an A and a B each.
  assert.equal(adapter.tensors.length, 7 * 2 * base.config.nLayers);
});

test("--private with LoRA: the adapters are sealed like the other tensors, and export opens them with the key", async () => {
  const out = join(dir, "ft-private");
  const privateData = join(dir, "llmos-private");
  const r = await cli("train-dp", "--data", data, "--from", "models/default/model.gguf", "--seq-len", "32", "--batch-size", "4", "--micro-batch", "2",
    "--max-steps", "1", "--epsilon", "4", "--delta", "1e-5", "--clip", "1", "--lora-rank", "2", "--out", out, "--private", "--data-dir", privateData,
    "--export-lora", join(dir, "ft-private-gguf", "adapter.gguf"), "--json");
  assert.equal(r.code, 0, r.err);
  const done = JSON.parse(r.out.trim().split("\n").at(-1)!) as { checkpoint: string };
  assert.ok(!existsSync(join(done.checkpoint, "lora.safetensors")), "no plaintext adapters at rest");
  assert.ok(existsSync(join(done.checkpoint, "lora.safetensors.sealed")));
  await assert.rejects(exportDpLoraGguf(done.checkpoint, join(dir, "ft-private-gguf", "nokey.gguf")), /is sealed \(a private checkpoint\)/);
  const adapter = await readGguf(join(dir, "ft-private-gguf", "adapter.gguf"));
  assert.equal(adapter.metadata.get("adapter.type")?.value, "lora");
});

test("the data-use contract is checked before training: a contract without dp-training refuses", async () => {
  const contract: Contract = {
    resource: { kind: "dataset", tenant: "clinic", id: "notes" }, version: 1, created: new Date().toISOString(), createdBy: "dr",
    terms: { purposes: ["dp-analytics"], models: { local: true, remote: [] }, piiPolicy: "anonymize", epsilonPerRelease: 10 },
  };
  const principal = { id: "k1", tenant: "clinic", role: "analyst" } as never;
  const seen: unknown[] = [];
  const check = (terms: Contract["terms"]) => (use: { purpose: "dp-training"; epsilon: number; piiPolicy: "none" | "anonymize" }) => {
    seen.push(use);
    const d = checkContract({ ...contract, terms }, { purpose: use.purpose, principal, piiPolicy: use.piiPolicy, epsilon: use.epsilon, now: new Date() });
    if (!d.allow) throw new ContractRefusedError(d.clause, `data-use contract refuses: ${d.reason}`);
  };
  const base = { data: [data], config: "tiny", tokenizer: tok, seqLen: 32, batchSize: 8, maxSteps: 2, epsilon: 2, delta: 1e-5, clip: 1 };
  await assert.rejects(trainDp({ ...base, out: join(dir, "refused"), checkUse: check(contract.terms) }), (e: unknown) => e instanceof ContractRefusedError && e.clause === "purposes");
  assert.ok(!existsSync(join(dir, "refused", "latest")));
  // Allowed purpose but PII policy weaker than required (no --scrub): refused on that clause.
  const terms = { ...contract.terms, purposes: ["dp-training" as const] };
  await assert.rejects(trainDp({ ...base, out: join(dir, "refused2"), checkUse: check(terms) }), (e: unknown) => e instanceof ContractRefusedError && e.clause === "piiPolicy");
  const ok = await trainDp({ ...base, out: join(dir, "allowed"), scrub: true, checkUse: check(terms) });
  assert.equal(ok.steps, 2);
  assert.equal((seen.at(-1) as { piiPolicy: string }).piiPolicy, "anonymize");
});
