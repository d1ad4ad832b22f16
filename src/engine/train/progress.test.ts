// Progress output: redrawn line on a terminal, throttled plain lines otherwise, NDJSON events with --json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import type { TrainProgress, TrainResult } from "./events.ts";
import { formatDuration, progressReporter } from "./progress.ts";

function sink(isTTY = false): Writable & { isTTY?: boolean; text(): string } {
  const chunks: string[] = [];
  const s = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as Writable & { isTTY?: boolean; text(): string };
  s.isTTY = isTTY;
  s.text = () => chunks.join("");
  return s;
}

const p = (step: number, elapsedSeconds: number): TrainProgress => ({
  step, totalSteps: 100, loss: 3.5, lr: 1e-3, gradNorm: 1, tokens: step * 512, tokensPerSecond: 2048, elapsedSeconds, etaSeconds: 125,
});
const result: TrainResult = {
  steps: 100, tokens: 51200, trainLoss: 3, valLoss: 3.2, valPerplexity: 24.5, tokensPerSecond: 2048, elapsedSeconds: 25, checkpoint: "/x", resumedFrom: null,
};

test("JSON mode writes one event per line on stdout and nothing on stderr", () => {
  const out = sink();
  const err = sink();
  const r = progressReporter({ json: true, stdout: out, stderr: err });
  r.onProgress!(p(1, 0.5));
  r.onEval!({ step: 1, valLoss: 4, valPerplexity: 54.6 });
  r.onCheckpoint!("/out/checkpoints/step-00000001", 1);
  r.done(result);
  const events = out.text().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(events.map((e) => e.event), ["step", "eval", "checkpoint", "done"]);
  assert.equal(events[0]!.loss, 3.5);
  assert.equal(events[2]!.dir, "/out/checkpoints/step-00000001");
  assert.equal(events[3]!.valLoss, 3.2);
  assert.equal(err.text(), "");
});

test("a terminal gets one redrawn line; a pipe gets throttled plain lines", () => {
  const tty = sink(true);
  const r1 = progressReporter({ json: false, stdout: sink(), stderr: tty });
  for (let i = 1; i <= 3; i++) r1.onProgress!(p(i, i));
  r1.done(result);
  assert.equal(tty.text().split("\r\x1b[K").length - 1, 3);
  assert.match(tty.text(), /step 3\/100 {2}loss 3\.5000 .*2048 tok\/s {2}ETA 2m05s\n$/);

  const pipe = sink(false);
  const r2 = progressReporter({ json: false, stdout: sink(), stderr: pipe, plainIntervalSeconds: 10 });
  for (let i = 1; i <= 100; i++) r2.onProgress!(p(i, i)); // one step per second
  r2.onEval!({ step: 100, valLoss: 3.2, valPerplexity: 24.5 });
  const lines = pipe.text().trim().split("\n");
  assert.doesNotMatch(pipe.text(), /\r/);
  assert.ok(lines.length >= 10 && lines.length <= 13, `${lines.length} lines`);
  assert.match(lines.at(-2)!, /step 100\/100/);
  assert.match(lines.at(-1)!, /val loss 3\.2000/);
});

test("durations", () => {
  assert.equal(formatDuration(5), "5s");
  assert.equal(formatDuration(125), "2m05s");
  assert.equal(formatDuration(3 * 3600 + 120), "3h02m");
  assert.equal(formatDuration(Infinity), "?");
});
