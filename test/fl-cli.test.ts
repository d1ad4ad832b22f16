// The fl commands as processes: simulation mode end to end, and flag errors that name the flag.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const ENTRY = join(repoRoot, "src", "learning", "fl", "cli-entry.ts");
const SHAKESPEARE = join(repoRoot, "..", "shared", "data", "text", "tinyshakespeare.txt");

function fl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", ENTRY, "fl", ...args], { cwd: repoRoot, timeout: 60_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, stdout, stderr }));
  });
}

test("fl simulate: virtual sites split by speaking role, with SecAgg+, report accuracy per round", async () => {
  const r = await fl(["simulate", "--data", SHAKESPEARE, "--sites", "3", "--rounds", "2", "--steps", "2", "--fraction", "1", "--secagg", "plus", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.sites.length, 3);
  for (const s of out.sites) assert.match(s, /^[A-Z][A-Za-z_']+$/, "each site is a speaking role");
  assert.equal(out.rounds.length, 2);
  for (const row of out.rounds) assert.ok(row.accuracy >= 0 && row.accuracy <= 1);
});

test("fl commands refuse bad flags naming the flag", async () => {
  const cases: [string[], RegExp][] = [
    [["serve"], /--config/],
    [["join", "--coordinator", "http://x", "--data", "a", "--credentials", "b"], /--coordinator: must be an https/],
    [["join", "--data", "a"], /--coordinator: is required/],
    [["provision", "--out", "/tmp/x"], /--sites/],
    [["simulate", "--data", SHAKESPEARE, "--secagg", "maybe"], /--secagg/],
    [["serve", "--config", "/nonexistent/federation.yaml"], /unknown federation config/],
  ];
  const results = await Promise.all(cases.map(([args]) => fl(args)));
  cases.forEach(([args, re], i) => {
    assert.equal(results[i]!.code, 2, `${args.join(" ")}: ${results[i]!.stderr}`);
    assert.match(results[i]!.stderr, re);
  });
});
