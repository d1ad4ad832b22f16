// Aggregate view of gold persons that the analyzer typed as places (no record printed).
import { loadDataset } from "./eval-pii.ts";
import { Analyzer } from "../src/privacy/pii/index.ts";
import { lexicons } from "../src/privacy/pii/lexicon.ts";

const { texts, gold } = loadDataset();
const a = new Analyzer();
const lex = lexicons();
const m = new Map<string, number>();
const ov = (x: { start: number; end: number }, y: { start: number; end: number }) => Math.max(0, Math.min(x.end, y.end) - Math.max(x.start, y.start));
const want = process.argv[2] ?? "PERSON", got = process.argv[3] ?? "LOCATION";
texts.forEach((t, i) => {
  const p = a.analyze(t, { withRecognizer: true });
  for (const s of gold[i]!.filter((x) => x.type === want)) {
    const o = p.find((q) => q.type === got && ov(q, s) > 0);
    if (!o || p.some((q) => q.type === want && ov(q, s) > 0)) continue;
    const words = t.slice(s.start, s.end).split(/\s+/);
    const k = `rec=${(o as { recognizer?: string }).recognizer} words=${words.length} same=${o.start === s.start && o.end === s.end} predWider=${o.end - o.start > s.end - s.start} fn=${lex.firstNames.has(words[0]!)} ln=${lex.lastNames.has(words[words.length - 1]!)} city=${words.some((w) => lex.cities.has(w))}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
});
for (const [k, v] of [...m].sort((x, y) => y[1] - x[1])) process.stdout.write(`${v} ${k}\n`);
