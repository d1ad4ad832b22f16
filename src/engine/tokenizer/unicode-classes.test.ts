// Our code point class table must equal the one in the llama.cpp that node-llama-cpp ships; this
// fails when an upgrade changes llama.cpp's Unicode tables (then rerun gen-unicode-classes.ts).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { classesFromLlamaUnicodeData } from "./gen-unicode-classes.ts";
import { codePointClasses, decodeClassRuns, encodeClassRuns } from "./unicode-runs.ts";

/** node-llama-cpp's package root: its entry point lies under <root>/dist/. */
function packageRoot(): string {
  const entry = fileURLToPath(import.meta.resolve("node-llama-cpp"));
  return entry.slice(0, entry.lastIndexOf(`${sep}dist${sep}`));
}
const bundle = join(packageRoot(), "llama", "gitRelease.bundle");
const hasGit = (() => {
  try {
    execFileSync("git", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const dir = mkdtempSync(join(tmpdir(), "llmos-llamacpp-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("run encoding round-trips", () => {
  const classes = codePointClasses();
  assert.deepEqual(decodeClassRuns(encodeClassRuns(classes)), classes);
  assert.throws(() => decodeClassRuns("O10"), /covers 32 code points/);
});

test("the class table equals llama.cpp's unicode-data.cpp as bundled with node-llama-cpp", { skip: !hasGit || !existsSync(bundle) ? "git or the node-llama-cpp source bundle is missing" : false }, () => {
  execFileSync("git", ["clone", "-q", "--no-checkout", bundle, join(dir, "llama.cpp")], { stdio: "ignore" });
  const src = execFileSync("git", ["-C", join(dir, "llama.cpp"), "show", "HEAD:src/unicode-data.cpp"], { maxBuffer: 16 << 20 }).toString("utf8");
  const theirs = classesFromLlamaUnicodeData(src);
  const ours = codePointClasses();
  let first = -1;
  for (let cp = 0; cp < ours.length && first < 0; cp++) if (ours[cp] !== theirs[cp]) first = cp;
  assert.equal(first, -1, `classes differ from U+${first.toString(16)}; regenerate unicode-classes.ts`);
});
