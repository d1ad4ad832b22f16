// Trains the tagger on even-numbered templates and prints its errors on sentences from the odd ones
// (our own generated data only), grouped as missed, mistyped and false alarms.
// Run: node --import tsx scripts/pii-heldout-errors.ts [count=20000] [show=30]
import { NameTagger } from "../src/privacy/pii/ner.ts";
import { plainSentences } from "../src/privacy/pii/lexicon.ts";
import { generateExamples } from "../src/privacy/pii/synth.ts";
import { trainBagged } from "../src/privacy/pii/train-ner.ts";

const [count = "20000", show = "30"] = process.argv.slice(2);
const tagger = new NameTagger(trainBagged(Number(count), 8, 1, "even"));
const dev = generateExamples(3000, 99, plainSentences(), "odd");
const KIND = new Set(["PERSON", "LOCATION", "ORGANIZATION"]);
const ov = (x: { start: number; end: number }, y: { start: number; end: number }) => Math.max(0, Math.min(x.end, y.end) - Math.max(x.start, y.start)) / (Math.max(x.end, y.end) - Math.min(x.start, y.start));
const groups: Record<string, string[]> = { missed: [], mistyped: [], falseAlarm: [] };
for (const e of dev) {
  const gold = e.spans.filter((s) => KIND.has(s.type));
  const pred = tagger.find(e.text, [], false);
  const v = (s: { start: number; end: number }) => JSON.stringify(e.text.slice(s.start, s.end));
  for (const g of gold) {
    if (pred.some((p) => p.type === g.type && ov(p, g) >= 0.5)) continue;
    const other = pred.find((p) => ov(p, g) > 0);
    if (other && other.type !== g.type) groups.mistyped!.push(`${g.type}→${other.type} ${v(g)} in ${JSON.stringify(e.text)}`);
    else groups.missed!.push(`${g.type} ${v(g)}${other ? ` (got ${v(other)})` : ""} in ${JSON.stringify(e.text)}`);
  }
  for (const p of pred) if (!gold.some((g) => ov(p, g) > 0)) groups.falseAlarm!.push(`${p.type} ${v(p)} in ${JSON.stringify(e.text)}`);
}
for (const [k, xs] of Object.entries(groups)) {
  process.stdout.write(`== ${k}: ${xs.length}\n`);
  for (const x of xs.slice(0, Number(show))) process.stdout.write(`  ${x}\n`);
}
