// Scores the full analyzer on the second held-out set: templates-heldout.ts (our own templates in
// styles the training templates lack, never trained on) filled by synth.ts's slot filler under a
// fixed seed. Prints scores per type and, for one type, the false alarms and misses.
// Run: node --import tsx scripts/pii-heldout2.ts [perTemplate=40] [TYPE] [show=40] [fa|miss|both]
import { Analyzer, scoreSpans } from "../src/privacy/pii/index.ts";
import { addressParts, fakerFor, fill, LOCALES, type SynthExample, type SynthSpan } from "../src/privacy/pii/synth.ts";
import { HELDOUT_TEMPLATES } from "../src/privacy/pii/templates-heldout.ts";
import { allLocales, type Faker } from "@faker-js/faker";

const GROUP: Record<string, { type: string; address?: boolean }> = { O: { type: "ORGANIZATION" }, L: { type: "LOCATION" }, A: { type: "LOCATION", address: true }, P: { type: "PERSON" } };
const PIECE = /\[([OLAP]):([^\]]*)\]|\{([A-Z]+)\}/g;

// {SN}: a street name alone, without a house number.
function slot(f: Faker, name: string): { value: string; type?: string } {
  if (name === "SN") return { value: f.location.street(), type: "STREET" };
  return fill(f, name);
}

function inner(f: Faker, text: string): string {
  return text.replace(/\{([A-Z]+)\}/g, (_, s: string) => slot(f, s).value);
}

/** One filled template: slots labelled as synth.ts labels them, groups as one span of their type. */
export function renderHeldout(f: Faker, template: string): SynthExample {
  const lower = template.startsWith("lc:");
  const t = lower ? template.slice(3) : template;
  let text = "";
  const spans: SynthSpan[] = [];
  let last = 0;
  let prevAddress = false;
  for (const m of t.matchAll(PIECE)) {
    const between = t.slice(last, m.index);
    text += between;
    let value: string;
    let type: string | undefined;
    let address = false;
    if (m[1]) {
      value = inner(f, m[2]!);
      ({ type } = GROUP[m[1]]!);
      address = GROUP[m[1]]!.address === true;
    } else {
      const v = slot(f, m[3]!);
      value = v.value;
      type = v.type === "ADDRESS" || v.type === "STREET" ? "LOCATION" : v.type;
      address = v.type === "ADDRESS" || v.type === "STREET";
    }
    const prev = spans[spans.length - 1];
    const sepOnly = /^[,\s]*$/.test(between);
    // A postal address and the city/state/country right after it are one address (as synth.ts).
    if (prevAddress && type === "LOCATION" && !address && prev && sepOnly) prev.end = text.length + value.length;
    else if (type) spans.push({ type, start: text.length, end: text.length + value.length, ...(address ? { address: true } : {}) });
    prevAddress = address || (prevAddress && type === "LOCATION" && sepOnly);
    text += value;
    last = m.index + m[0].length;
  }
  text += t.slice(last);
  if (lower && text.toLowerCase().length === text.length) text = text.toLowerCase();
  return { text, spans: spans.flatMap((s) => (s.address ? addressParts(text, s) : [s])) };
}

/** `perTemplate` fillings of every held-out template; half with American values, half from other locales. */
export function heldoutExamples(perTemplate = 20, seed = 20261202): SynthExample[] {
  const locales = LOCALES.filter((l) => l in allLocales);
  const fakers = locales.map((l, i) => fakerFor(l, seed + i));
  const us = fakerFor("en_US", seed + 997);
  const out: SynthExample[] = [];
  for (let k = 0; k < perTemplate; k++) {
    HELDOUT_TEMPLATES.forEach((tpl, i) => {
      const f = (k + i) % 2 === 0 ? us : fakers[(k * HELDOUT_TEMPLATES.length + i) % fakers.length]!;
      // Seeded per example: a change to one slot's filler changes only the examples that use it.
      f.seed(seed + k * 1000 + i);
      out.push(renderHeldout(f, tpl));
    });
  }
  return out;
}

export const EVAL = ["PERSON", "LOCATION", "ORGANIZATION", "PHONE_NUMBER", "DATE_TIME", "AGE", "EMAIL_ADDRESS", "URL", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS", "US_DRIVER_LICENSE"];
const NER = ["PERSON", "LOCATION", "ORGANIZATION"];

if (import.meta.url === `file://${process.argv[1]}`) {
  const [count = "40", type = "", show = "40", which = "both"] = process.argv.slice(2);
  const exs = heldoutExamples(Number(count));
  const a = new Analyzer();
  const pred = exs.map((e) => a.analyze(e.text));
  const gold = exs.map((e) => e.spans.map(({ type, start, end }) => ({ type, start, end })));
  const r = scoreSpans(gold, pred, EVAL);
  const ner = scoreSpans(gold, pred, NER);
  process.stdout.write(`heldout2 (${exs.length} texts): F2=${r.overall.f2} P=${r.overall.precision} R=${r.overall.recall} | PER+LOC+ORG F2=${ner.overall.f2} P=${ner.overall.precision} R=${ner.overall.recall}\n`);
  for (const [t, s] of Object.entries(r.per_type)) process.stdout.write(`  ${t.padEnd(18)} P=${s.precision} R=${s.recall} F2=${s.f2} (${s.support}/${s.predicted})\n`);
  if (type) {
    const ov = (x: { start: number; end: number }, y: { start: number; end: number }) => Math.max(0, Math.min(x.end, y.end) - Math.max(x.start, y.start)) / (Math.max(x.end, y.end) - Math.min(x.start, y.start));
    let shown = 0;
    exs.forEach((e, i) => {
      const g = e.spans.filter((s) => s.type === type);
      const p = pred[i]!.filter((s) => s.type === type);
      const v = (s: { start: number; end: number }) => JSON.stringify(e.text.slice(s.start, s.end));
      const miss = which === "fa" ? [] : g.filter((s) => !p.some((q) => ov(q, s) >= 0.5));
      const fa = which === "miss" ? [] : p.filter((s) => !g.some((q) => ov(q, s) >= 0.5));
      // What a miss was found as instead (another type, or a part of it).
      const got = (s: { start: number; end: number }) => pred[i]!.filter((q) => ov(q, s) > 0).map((q) => `${q.type}:${v(q)}`).join(",");
      if ((miss.length || fa.length) && shown++ < Number(show)) {
        process.stdout.write(`${JSON.stringify(e.text)}\n   miss ${miss.map((s) => `${v(s)}${got(s) ? ` (got ${got(s)})` : ""}`).join(" ")}  fa ${fa.map((s) => `${v(s)}${gold[i]!.some((q) => ov(q, s) > 0) ? " (overlaps gold)" : ""}`).join(" ")}\n`);
      }
    });
  }
}
