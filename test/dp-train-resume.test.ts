// Resuming DP training in-process: with a seeded noise stream per step (tests only), a run stopped
// right after its first checkpoint and resumed ends bit for bit where an uninterrupted run ends
// (weights, optimizer moments, ε, model card), the dataset budget is debited once, and a resume that
// would change the mechanism, re-run published steps or start over an existing run is refused.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { readSafetensors } from "../src/engine/safetensors/index.ts";
import { trainBpe } from "../src/engine/tokenizer/index.ts";
import { DP_RUN, trainDp, type DpTrainOptions } from "../src/learning/dp/index.ts";
import { DpBudgetStore, RandomSource } from "../src/privacy/dp/index.ts";
import { sotuText } from "./helpers/corpus.ts";
import { tempDir } from "./helpers/tmp.ts";

const dir = tempDir("llmos-dp-resume-");
const text = sotuText(40_000);
const data = join(dir, "notes.txt");
writeFileSync(data, text.slice(0, 10_000));
const tok = join(dir, "tok.json");
const db = join(dir, "llmos.db");

class Crash extends Error {}

function options(out: string, datasetId: string, extra: Partial<DpTrainOptions> = {}): DpTrainOptions {
  return {
    data: [data], out, config: "tiny", tokenizer: tok, seqLen: 32, batchSize: 8, microBatch: 4, maxSteps: 6, checkpointEvery: 2,
    epsilon: 4, delta: 1e-5, clip: 1, lr: 3e-3, dataset: { db, tenant: "t", id: datasetId, user: "tester" },
    // The same seeded stream for step k in every run, so the resumed run is comparable bit for bit.
    stepRng: (k) => RandomSource.seededForTests(`dp-resume-step-${k}`), rng: RandomSource.seededForTests("unused"),
    ...extra,
  };
}

async function tensors(ckpt: string, file: string): Promise<Map<string, Float32Array>> {
  const { tensors: t } = await readSafetensors(join(ckpt, file));
  return new Map([...t].map(([k, v]) => [k, v.data as Float32Array]));
}

/** The ledger stores ε rounded up to its unit; compare at 1e-6. */
function ledger(id: string): { epsilon: number; seq: number }[] {
  const store = DpBudgetStore.open(db);
  try {
    return store.ledger("t", id).map((e) => ({ epsilon: Number(e.epsilon.toFixed(6)), seq: e.seq }));
  } finally {
    store.close();
  }
}

async function compareRuns(extra: Partial<DpTrainOptions>, tag: string): Promise<void> {
  const store = DpBudgetStore.open(db);
  for (const id of [`whole-${tag}`, `crashed-${tag}`]) {
    store.registerDataset({ tenant: "t", id, owner: "o", source: data, format: "jsonl", schema: [], privacyUnit: "sequence", epsilonTotal: 10, deltaTotal: 1e-4 });
  }
  store.close();
  const whole = await trainDp(options(join(dir, `whole-${tag}`), `whole-${tag}`, extra));
  assert.equal(whole.steps, 6);
  assert.equal(whole.resumedFrom, null);

  const crashedOut = join(dir, `crashed-${tag}`);
  await assert.rejects(trainDp({ ...options(crashedOut, `crashed-${tag}`, extra), onCheckpoint: () => { throw new Crash("simulated crash"); } }), Crash);
  const steps: number[] = [];
  const resumed = await trainDp({ ...options(crashedOut, `crashed-${tag}`, extra), resume: true, onStep: (s) => steps.push(s.step) });
  assert.equal(resumed.resumedFrom, 2);
  assert.deepEqual(steps, [3, 4, 5, 6], "the resumed run continues after the checkpoint's step");
  assert.equal(resumed.steps, whole.steps);
  assert.equal(resumed.epsilon, whole.epsilon);
  assert.equal(resumed.valLoss, whole.valLoss);

  for (const file of ["model.safetensors", "optimizer.safetensors"]) {
    const a = await tensors(whole.checkpoint, file);
    const b = await tensors(resumed.checkpoint, file);
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
    for (const [name, t] of a) assert.deepEqual(b.get(name), t, `${tag}: ${file} ${name} differs from the uninterrupted run`);
  }
  const cardA = JSON.parse(readFileSync(whole.modelCard, "utf8"));
  const cardB = JSON.parse(readFileSync(resumed.modelCard, "utf8"));
  assert.deepEqual(cardB.privacy, cardA.privacy);
  assert.equal(cardB.training.resumed_from, 2);
  assert.equal(cardB.training.partial, undefined);
  const { ledger_seq: seqA, ...budgetA } = cardA.dataset.budget;
  const { ledger_seq: seqB, ...budgetB } = cardB.dataset.budget;
  assert.deepEqual({ ...budgetB, id: "x" }, { ...budgetA, id: "x" });
  // One debit each, of the same ε; the resume spent nothing more.
  assert.deepEqual(ledger(`whole-${tag}`), [{ epsilon: Number(whole.plan.epsilon.toFixed(6)), seq: seqA }]);
  assert.deepEqual(ledger(`crashed-${tag}`), [{ epsilon: Number(whole.plan.epsilon.toFixed(6)), seq: seqB }]);
}

test("DP-AdamW: stopped after the first checkpoint and resumed = uninterrupted (weights, moments, ε, card, one debit)", async () => {
  await trainBpe([text.slice(10_000)], { vocabSize: 300 }).save(tok);
  await compareRuns({}, "adam");
});

test("DP-SGD with LoRA adapters: resumed = uninterrupted", async () => {
  await compareRuns({ optimizer: "sgd", lr: 0.5, lora: { rank: 2 } }, "lora");
});

test("a stop before the first checkpoint resumes from step 0 without a second debit", async () => {
  const store = DpBudgetStore.open(db);
  store.registerDataset({ tenant: "t", id: "early", owner: "o", source: data, format: "jsonl", schema: [], privacyUnit: "sequence", epsilonTotal: 10, deltaTotal: 1e-4 });
  store.close();
  const out = join(dir, "early");
  await assert.rejects(trainDp({ ...options(out, "early"), maxSteps: 2, onStep: () => { throw new Crash("before checkpoint"); } }), Crash);
  assert.equal(ledger("early").length, 1);
  const r = await trainDp({ ...options(out, "early"), maxSteps: 2, resume: true });
  assert.equal(r.resumedFrom, 0);
  assert.equal(r.steps, 2);
  assert.equal(ledger("early").length, 1);
});

test("refused: a fresh run over a DP run, a changed setting, other data, a rolled-back checkpoint, nothing to resume", async () => {
  const out = join(dir, "crashed-adam");
  const ds = "crashed-adam";
  await assert.rejects(trainDp(options(out, ds)), /already holds a DP run.*--resume/);
  await assert.rejects(trainDp({ ...options(out, ds), clip: 2, resume: true }), /--clip: the DP run being resumed used 1, got 2/);
  await assert.rejects(trainDp({ ...options(out, ds), maxSteps: 9, resume: true }), /--max-steps/);
  const other = join(dir, "other.txt");
  writeFileSync(other, text.slice(5_000, 15_000));
  await assert.rejects(trainDp({ ...options(out, ds), data: [other], resume: true }), /--data: differs from the data/);
  await assert.rejects(trainDp({ ...options(out, ds), dataset: { db, tenant: "t", id: "whole-adam", user: "x" }, resume: true }), /--dataset/);
  // Pointing latest back at the older kept checkpoint would re-run steps already published.
  writeFileSync(join(out, "latest"), "step-00000004\n");
  await assert.rejects(trainDp({ ...options(out, ds), resume: true }), /step 6 was already published/);
  await assert.rejects(trainDp({ ...options(join(dir, "none"), ds), resume: true }), /nothing to resume/);
  const record = JSON.parse(readFileSync(join(out, DP_RUN), "utf8"));
  assert.equal(record.published_step, 6);
  assert.equal(ledger(ds).length, 1, "no refused resume debited anything");
});
