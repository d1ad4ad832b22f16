// The he commands end to end on files: two clients encrypt, a server without keys aggregates, the key
// holder decrypts the mean; bad files give clear errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { heAggregateCommand, heDecryptCommand, heEncryptCommand, heKeygenCommand } from "../src/cli/commands/he.ts";
import type { Command } from "../src/cli/command.ts";

async function run(cmd: Command, argv: string[]): Promise<string> {
  const out = new PassThrough();
  let text = "";
  out.on("data", (d) => (text += d));
  const code = await cmd.run(argv, { stdout: out, stderr: new PassThrough(), debug: false });
  assert.equal(code, 0);
  return text;
}

test("he keygen → encrypt (2 clients) → aggregate (no key) → decrypt --average", async () => {
  const dir = mkdtempSync(join(tmpdir(), "llmos-he-"));
  try {
    await run(heKeygenCommand, ["--out", dir]);
    assert.equal(statSync(join(dir, "secret.he")).mode & 0o777, 0o600);
    const a = Array.from({ length: 5000 }, (_, i) => Math.sin(i));
    const b = Array.from({ length: 5000 }, (_, i) => Math.cos(i));
    writeFileSync(join(dir, "a.json"), JSON.stringify(a));
    writeFileSync(join(dir, "b.json"), JSON.stringify(b));
    const keys = ["--params", join(dir, "params.he"), "--public-key", join(dir, "public.he")];
    await run(heEncryptCommand, [...keys, "--in", join(dir, "a.json"), "--out", join(dir, "a.he")]);
    await run(heEncryptCommand, [...keys, "--in", join(dir, "b.json"), "--out", join(dir, "b.he")]);
    await run(heAggregateCommand, ["--params", join(dir, "params.he"), "--out", join(dir, "sum.he"), join(dir, "a.he"), join(dir, "b.he")]);
    const mean = JSON.parse(await run(heDecryptCommand, ["--params", join(dir, "params.he"), "--secret-key", join(dir, "secret.he"), "--in", join(dir, "sum.he"), "--average", "2"])) as number[];
    assert.equal(mean.length, 5000);
    mean.forEach((v, i) => assert.ok(Math.abs(v - (a[i]! + b[i]!) / 2) <= 1e-6));
    await assert.rejects(run(heDecryptCommand, ["--params", join(dir, "params.he"), "--secret-key", join(dir, "public.he"), "--in", join(dir, "sum.he")]), /expected a secretKey/);
    writeFileSync(join(dir, "bad.json"), JSON.stringify([1, "x"]));
    await assert.rejects(run(heEncryptCommand, [...keys, "--in", join(dir, "bad.json"), "--out", join(dir, "x.he")]), /finite numbers/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("mpc simulate runs a job description with per-party input files", async () => {
  const { mpcSimulateCommand } = await import("../src/cli/commands/mpc.ts");
  const dir = mkdtempSync(join(tmpdir(), "llmos-mpc-sim-"));
  try {
    writeFileSync(join(dir, "job.json"), JSON.stringify({ id: "sim", parties: 3, protocol: "histogram", inputs: [0, 2], outputTo: [1], params: { edges: [0, 1, 2] } }));
    writeFileSync(join(dir, "a.json"), JSON.stringify([0.5, 1.5, 1.7]));
    writeFileSync(join(dir, "c.json"), JSON.stringify([0.1]));
    const out = JSON.parse(await run(mpcSimulateCommand, ["--job", join(dir, "job.json"), "--input", `0=${join(dir, "a.json")}`, "--input", `2=${join(dir, "c.json")}`])) as { outputs: { party: number; output: { counts: number[] } | null }[] };
    assert.deepEqual(out.outputs[1]!.output!.counts, [2, 2]);
    assert.equal(out.outputs[0]!.output, null);
    await assert.rejects(run(mpcSimulateCommand, ["--job", join(dir, "job.json"), "--input", `0=${join(dir, "a.json")}`]), /party 2 provides an input/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
