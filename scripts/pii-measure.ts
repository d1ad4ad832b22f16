// Aggregate diagnostics on the evaluation set (no record is printed): per-type recall under looser
// matching rules, to tell boundary errors from missed or mistyped entities.
import { loadDataset } from "./eval-pii.ts";
import { Analyzer } from "../src/privacy/pii/index.ts";

const { texts, gold } = loadDataset();
const a = new Analyzer();
const pred = texts.map((t) => a.analyze(t));
const ov = (x: { start: number; end: number }, y: { start: number; end: number }) => Math.max(0, Math.min(x.end, y.end) - Math.max(x.start, y.start));
const iou = (x: { start: number; end: number }, y: { start: number; end: number }) => ov(x, y) / (Math.max(x.end, y.end) - Math.min(x.start, y.start));
for (const type of ["LOCATION", "PERSON", "ORGANIZATION"]) {
  let fpInside = 0, fpOther = 0, n = 0, strict = 0, anyOv = 0, otherType = 0, none = 0, predInside = 0, goldInside = 0, fpNoOverlap = 0, fpOverlap = 0, np = 0;
  gold.forEach((g, i) => {
    for (const s of g.filter((x) => x.type === type)) {
      n++;
      const p = pred[i]!;
      if (p.some((q) => q.type === type && iou(q, s) >= 0.5)) strict++;
      else if (p.some((q) => q.type === type && ov(q, s) > 0)) {
        anyOv++;
        if (p.some((q) => q.type === type && q.start >= s.start && q.end <= s.end)) predInside++;
        else goldInside++;
      } else if (p.some((q) => ov(q, s) > 0)) otherType++;
      else none++;
    }
    for (const q of pred[i]!.filter((x) => x.type === type)) {
      np++;
      if (g.some((s) => s.type === type && iou(q, s) >= 0.5)) continue;
      if (g.some((s) => ov(q, s) > 0)) {
        fpOverlap++;
        if (g.some((s) => s.type === type && q.start >= s.start && q.end <= s.end)) fpInside++;
        else if (g.some((s) => s.type !== type && ov(q, s) > 0)) fpOther++;
      }
      else fpNoOverlap++;
    }
  });
  process.stdout.write(`${type}: gold ${n}: strict ${strict}, overlap<0.5 ${anyOv} (pred inside gold ${predInside}, else ${goldInside}), other type ${otherType}, untouched ${none} | pred ${np}: fp overlapping some gold ${fpOverlap} (inside a same-type gold ${fpInside}, on another type ${fpOther}), fp on nothing ${fpNoOverlap}\n`);
}
// Shapes of our own LOCATION predictions that are bigger than the gold span they cover.
{
  const shapes = new Map<string, number>();
  gold.forEach((g, i) => {
    for (const q of pred[i]!.filter((x) => x.type === "LOCATION")) {
      const inner = g.filter((s) => s.type === "LOCATION" && s.start >= q.start && s.end <= q.end && iou(q, s) < 0.5);
      if (!inner.length) continue;
      const v = texts[i]!.slice(q.start, q.end);
      const k = `${a.analyze(texts[i]!, { withRecognizer: true }).find((f) => f.start === q.start)?.["recognizer" as keyof typeof q]} comma=${v.includes(",")} nl=${v.includes("\n")} digit=${/\d/.test(v)} golds=${inner.length}`;
      shapes.set(k, (shapes.get(k) ?? 0) + 1);
    }
  });
  process.stdout.write(`${JSON.stringify([...shapes].sort((x, y) => y[1] - x[1]))}\n`);
}
// Confusions between the tagger's types, and the shape of false alarms that touch no gold span.
{
  const conf = new Map<string, number>();
  const fa = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  gold.forEach((g, i) => {
    const p = pred[i]!;
    const text = texts[i]!;
    for (const s of g.filter((x) => ["PERSON", "LOCATION", "ORGANIZATION"].includes(x.type))) {
      if (p.some((q) => q.type === s.type && iou(q, s) >= 0.5)) continue;
      const o = p.find((q) => ov(q, s) > 0 && q.type !== s.type);
      if (o) bump(conf, `${s.type}->${o.type}`);
    }
    for (const q of p.filter((x) => ["PERSON", "LOCATION", "ORGANIZATION"].includes(x.type))) {
      if (g.some((s) => ov(q, s) > 0)) continue;
      const v = text.slice(q.start, q.end);
      bump(fa, `${q.type} words=${Math.min(3, v.split(/\s+/).length)} start=${q.start === 0} lower=${v === v.toLowerCase()}`);
    }
  });
  process.stdout.write(`${JSON.stringify([...conf].sort((x, y) => y[1] - x[1]))}\n${JSON.stringify([...fa].sort((x, y) => y[1] - x[1]))}\n`);
}
