// Analyzer throughput on the evaluation texts (CPU time of this thread), with a per-recognizer
// breakdown of pattern time, for speed work.
import { loadDataset } from "./eval-pii.ts";
import { Analyzer } from "../src/privacy/pii/index.ts";

const { texts } = loadDataset();
const a = new Analyzer();
for (const t of texts) a.analyze(t);
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
const c0 = process.cpuUsage();
let done = 0;
const t0 = performance.now();
while (performance.now() - t0 < Number(process.argv[2] ?? 3) * 1000) {
  for (const t of texts) a.analyze(t);
  done += bytes;
}
const c = process.cpuUsage(c0);
const wall = (performance.now() - t0) / 1000;
process.stdout.write(`${(done / 1e6 / ((c.user + c.system) / 1e6)).toFixed(2)} MB/s cpu, ${(done / 1e6 / wall).toFixed(2)} MB/s wall\n`);
if (process.argv.includes("--patterns")) {
  const { PATTERNS } = await import("../src/privacy/pii/patterns.ts");
  const { DATE_PATTERNS } = await import("../src/privacy/pii/dates.ts");
  const rows: [string, number][] = [];
  for (const p of [...PATTERNS, ...DATE_PATTERNS]) {
    const t1 = performance.now();
    for (let r = 0; r < 5; r++) for (const t of texts) {
      p.regex.lastIndex = 0;
      while (p.regex.exec(t)) { /* all matches */ }
    }
    rows.push([p.name, (performance.now() - t1) / 5]);
  }
  for (const [n, ms] of rows.sort((x, y) => y[1] - x[1]).slice(0, 12)) process.stdout.write(`${n.padEnd(22)} ${ms.toFixed(1)} ms per pass\n`);
  const t2 = performance.now();
  for (let r = 0; r < 5; r++) for (const t of texts) a.analyze(t);
  process.stdout.write(`analyze: ${((performance.now() - t2) / 5).toFixed(1)} ms per pass\n`);
}
if (process.argv.includes("--tagger")) {
  const { NameTagger } = await import("../src/privacy/pii/ner.ts");
  const tg = NameTagger.load();
  for (const t of texts) tg.find(t);
  const t3 = performance.now();
  for (let r = 0; r < 10; r++) for (const t of texts) tg.find(t);
  process.stdout.write(`tagger.find: ${((performance.now() - t3) / 10).toFixed(1)} ms per pass\n`);
}
