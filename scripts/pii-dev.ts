// Scores the analyzer on our own generated sentences (never the evaluation file) and prints some
// misses and false alarms of one type, for error analysis.
// Run: node --import tsx scripts/pii-dev.ts [count=3000] [TYPE] [part=odd|even|all] [show=forms|all]
import { Analyzer, scoreSpans } from "../src/privacy/pii/index.ts";
import { plainSentences } from "../src/privacy/pii/lexicon.ts";
import { generateExamples } from "../src/privacy/pii/synth.ts";

const [count = "3000", type = "", part = "all", show = "forms"] = process.argv.slice(2);
const exs = generateExamples(Number(count), 4321, plainSentences(), part === "all" ? undefined : (part as "odd" | "even"));
const forms = exs.filter((_, i) => i % 2 === 1);
const a = new Analyzer();
const EVAL = ["PERSON", "LOCATION", "ORGANIZATION", "PHONE_NUMBER", "DATE_TIME", "AGE", "EMAIL_ADDRESS", "URL", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "US_DRIVER_LICENSE"];
for (const [name, set] of [["all", exs], ["forms", forms]] as const) {
  const pred = set.map((e) => a.analyze(e.text));
  const r = scoreSpans(set.map((e) => e.spans.map(({ type, start, end }) => ({ type, start, end }))), pred, EVAL);
  process.stdout.write(`${name}: F2=${r.overall.f2} P=${r.overall.precision} R=${r.overall.recall}\n`);
  for (const [t, s] of Object.entries(r.per_type)) process.stdout.write(`  ${t.padEnd(18)} P=${s.precision} R=${s.recall} F2=${s.f2} (${s.support}/${s.predicted})\n`);
  if (type && name === show) {
    let shown = 0;
    set.forEach((e, i) => {
      const g = e.spans.filter((s) => s.type === type);
      const p = pred[i]!.filter((s) => s.type === type);
      const key = (s: { start: number; end: number }) => JSON.stringify(e.text.slice(s.start, s.end));
      const miss = g.filter((s) => !p.some((q) => Math.min(q.end, s.end) - Math.max(q.start, s.start) >= 0.5 * (Math.max(q.end, s.end) - Math.min(q.start, s.start))));
      const fa = p.filter((s) => !g.some((q) => Math.min(q.end, s.end) - Math.max(q.start, s.start) >= 0.5 * (Math.max(q.end, s.end) - Math.min(q.start, s.start))));
      if ((miss.length || fa.length) && shown++ < 40) process.stdout.write(`${JSON.stringify(e.text)}\n   miss ${miss.map(key).join(" ")}  fa ${fa.map(key).join(" ")}\n`);
    });
  }
}
