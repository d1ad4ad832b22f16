// Counts name/place/organisation findings in generated sentences that hold none: faker's job
// titles, catch phrases, product names, departments, vehicles, music genres and street names in
// neutral frames (our own data; a check for capitalised words that are not entities).
// Run: node --import tsx scripts/pii-false-alarms.ts [perKind=200] [show=3]
import { Analyzer } from "../src/privacy/pii/index.ts";
import { fakerFor } from "../src/privacy/pii/synth.ts";

const [count = "200", show = "3"] = process.argv.slice(2);
const a = new Analyzer();
const f = fakerFor("en_US", 5);
const KINDS: [string, () => string][] = [
  ["job title", () => `She now works as ${f.person.jobTitle()} in our team.`],
  ["catch phrase", () => `Our motto: ${f.company.catchPhrase()}.`],
  ["buzz phrase", () => `We need to ${f.company.buzzPhrase()}.`],
  ["product", () => `I bought the ${f.commerce.productName()} yesterday.`],
  ["department", () => `Please contact the ${f.commerce.department()} department.`],
  ["vehicle", () => `He drives a ${f.vehicle.vehicle()}.`],
  ["music genre", () => `I love ${f.music.genre()} music.`],
];
let total = 0;
for (const [name, make] of KINDS) {
  let hits = 0;
  const shown: string[] = [];
  for (let i = 0; i < Number(count); i++) {
    const t = make();
    const r = a.analyze(t).filter((x) => x.type === "PERSON" || x.type === "LOCATION" || x.type === "ORGANIZATION");
    if (!r.length) continue;
    hits++;
    if (shown.length < Number(show)) shown.push(`${JSON.stringify(t)} -> ${r.map((x) => `${x.type}:${t.slice(x.start, x.end)}`).join(", ")}`);
  }
  total += hits;
  process.stdout.write(`${name.padEnd(13)} ${hits}/${count}\n${shown.map((s) => `   ${s}\n`).join("")}`);
}
process.stdout.write(`total ${total}/${KINDS.length * Number(count)}\n`);
