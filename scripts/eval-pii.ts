// `npm run eval:pii`: scores the PII analyzer on presidio-research's synthetic dataset (span level,
// same type, overlap/union ≥ 0.5), runs the redact-pii and openredaction libraries side by side,
// measures throughput on one core and writes bench/results/pii.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Analyzer, scoreSpans, type Scores, type Span } from "../src/privacy/pii/index.ts";

export { scoreSpans };

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_DATASET = resolve(ROOT, "../shared/data/pii/synth_dataset_v2.json");

// The dataset's entity names → ours. null: a type we do not detect (titles such as "Mr.", and
// nationalities/religions/political groups), left out of the score on both sides.
export const DATASET_TO_OURS: Record<string, string | null> = {
  PERSON: "PERSON",
  STREET_ADDRESS: "LOCATION",
  GPE: "LOCATION",
  ZIP_CODE: "LOCATION",
  ORGANIZATION: "ORGANIZATION",
  CREDIT_CARD: "CREDIT_CARD",
  DATE_TIME: "DATE_TIME",
  PHONE_NUMBER: "PHONE_NUMBER",
  AGE: "AGE",
  EMAIL_ADDRESS: "EMAIL_ADDRESS",
  DOMAIN_NAME: "URL",
  IBAN_CODE: "IBAN_CODE",
  US_SSN: "US_SSN",
  IP_ADDRESS: "IP_ADDRESS",
  US_DRIVER_LICENSE: "US_DRIVER_LICENSE",
  TITLE: null,
  NRP: null,
};

const EVALUATED = new Set(Object.values(DATASET_TO_OURS).filter((t): t is string => t !== null));

interface Sample {
  full_text: string;
  spans: { entity_type: string; start_position: number; end_position: number }[];
}
export interface SystemResult {
  overall: Scores;
  per_type: Record<string, Scores>;
  /** MB of UTF-8 text per second of CPU time on one thread. */
  mb_per_s: number;
  mb_per_s_wall: number;
}
type Detector = (text: string) => Span[] | Promise<Span[]>;

export function loadDataset(path = DEFAULT_DATASET): { texts: string[]; gold: Span[][] } {
  if (!existsSync(path)) {
    process.stderr.write(`eval-pii: dataset not found at ${path}; it is shared/data/pii/synth_dataset_v2.json beside the repository\n`);
    process.exit(2);
  }
  const data = JSON.parse(readFileSync(path, "utf8")) as Sample[];
  const texts = data.map((s) => s.full_text);
  const gold = data.map((s) =>
    s.spans.flatMap((sp) => {
      const t = DATASET_TO_OURS[sp.entity_type];
      if (t === undefined) throw new Error(`eval-pii: unmapped dataset entity type ${sp.entity_type}`);
      return t ? [{ type: t, start: sp.start_position, end: sp.end_position }] : [];
    }),
  );
  return { texts, gold };
}

async function runSystem(detect: Detector, texts: string[], gold: Span[][], minSeconds: number): Promise<SystemResult> {
  const pred: Span[][] = [];
  for (const t of texts) pred.push(await detect(t));
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  let done = 0;
  // Throughput on one core: this process's CPU time (one JavaScript thread), so that other work on a
  // shared machine does not count against it; wall-clock throughput is reported beside it.
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  do {
    // Only a detector that returns a promise is awaited: an await per call costs a microtask turn.
    for (const t of texts) {
      const r = detect(t);
      if (r instanceof Promise) await r;
    }
    done += bytes;
  } while (performance.now() - t0 < minSeconds * 1000);
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return { ...scoreSpans(gold, pred, EVALUATED), mb_per_s: r2(done / 1e6 / cpu), mb_per_s_wall: r2(done / 1e6 / wall) };
}

// redact-pii only returns redacted text: each of its rules writes its own private-use marker, and
// aligning the output against the input recovers the spans.
const REDACT_PII_TYPES: Record<string, string | null> = {
  names: "PERSON", creditCardNumber: "CREDIT_CARD", streetAddress: "LOCATION", zipcode: "LOCATION", phoneNumber: "PHONE_NUMBER",
  ipAddress: "IP_ADDRESS", usSocialSecurityNumber: "US_SSN", emailAddress: "EMAIL_ADDRESS", url: "URL",
  username: null, password: null, credentials: null, digits: null,
};

function redactPiiDetector(): Detector {
  // redact-pii 3.4 ignores per-rule replaceWith in SyncRedactor, so its own rules are chained here in
  // the order its composition uses (regex rules, then names), each writing its own marker.
  const require = createRequire(import.meta.url);
  const patterns = require("redact-pii/lib/built-ins/simple-regexp-patterns.js") as Record<string, RegExp>;
  const { NameRedactor } = require("redact-pii/lib/built-ins/NameRedactor.js") as { NameRedactor: new (r: string) => { redact(s: string): string } };
  const names = [...Object.keys(patterns), "names"];
  const marker = (n: string) => `\uE000${String.fromCharCode(0xe100 + names.indexOf(n))}\uE001`;
  const chain: ((s: string) => string)[] = Object.entries(patterns).map(([n, re]) => (s: string) => s.replace(re, marker(n)));
  const nameRedactor = new NameRedactor(marker("names"));
  chain.push((s) => nameRedactor.redact(s));
  const redactor = { redact: (s: string) => chain.reduce((acc, f) => f(acc), s) };
  return (text) => {
    const out = redactor.redact(text);
    const spans: Span[] = [];
    const parts = out.split(/\uE000([\uE100-\uE1FF])\uE001/);
    let pos = 0;
    // parts: literal, marker, literal, marker, ..., literal
    if (!text.startsWith(parts[0]!)) return spans;
    pos = parts[0]!.length;
    for (let k = 1; k < parts.length; k += 2) {
      const type = REDACT_PII_TYPES[names[parts[k]!.charCodeAt(0) - 0xe100]!];
      const next = parts[k + 1]!;
      const end = next === "" ? (k + 2 < parts.length ? pos + 1 : text.length) : text.indexOf(next, pos + 1);
      if (end < 0) break;
      if (type) spans.push({ type, start: pos, end });
      pos = end + next.length;
    }
    return spans;
  };
}

function openRedactionType(t: string): string | null {
  if (/EMAIL/.test(t)) return "EMAIL_ADDRESS";
  if (/IBAN/.test(t)) return "IBAN_CODE";
  if (/CREDIT_CARD|CARD_NUMBER/.test(t)) return "CREDIT_CARD";
  if (/SSN|SOCIAL_SECURITY/.test(t)) return "US_SSN";
  if (/PHONE|MOBILE/.test(t)) return "PHONE_NUMBER";
  if (/^IP|IPV[46]/.test(t)) return "IP_ADDRESS";
  if (/DRIV/.test(t)) return "US_DRIVER_LICENSE";
  if (/URL|DOMAIN|WEBSITE/.test(t)) return "URL";
  if (/DATE|DOB|BIRTH/.test(t)) return "DATE_TIME";
  if (/ADDRESS|POSTCODE|ZIP|CITY|COUNTRY/.test(t)) return "LOCATION";
  if (/NAME/.test(t)) return "PERSON";
  if (/COMPANY|ORGANI[SZ]ATION/.test(t)) return "ORGANIZATION";
  if (/AGE/.test(t)) return "AGE";
  return null;
}

async function openRedactionDetector(): Promise<Detector> {
  const { OpenRedaction } = (await import("openredaction")) as unknown as {
    OpenRedaction: new (o: unknown) => { detect(s: string): Promise<{ detections: { type: string; position: [number, number] }[] }> };
  };
  const r = new OpenRedaction({ redactionMode: "placeholder" });
  return async (text) => {
    const res = await r.detect(text);
    return res.detections.flatMap((d) => {
      const type = openRedactionType(d.type);
      return type ? [{ type, start: d.position[0], end: d.position[1] }] : [];
    });
  };
}

export interface PiiEvalResult extends SystemResult {
  dataset: string;
  samples: number;
  mapping: Record<string, string | null>;
  peers: Record<string, SystemResult | { error: string }>;
}

export async function evaluatePii(options: { dataset?: string; peers?: boolean; minSeconds?: number } = {}): Promise<PiiEvalResult> {
  const path = options.dataset ?? DEFAULT_DATASET;
  const { texts, gold } = loadDataset(path);
  const analyzer = new Analyzer();
  const ours = await runSystem((t) => analyzer.analyze(t), texts, gold, options.minSeconds ?? 3);
  const peers: Record<string, SystemResult | { error: string }> = {};
  if (options.peers !== false) {
    for (const [name, make] of [["redact-pii", async () => redactPiiDetector()], ["openredaction", openRedactionDetector]] as const) {
      try {
        peers[name] = await runSystem(await make(), texts, gold, 0);
      } catch (e) {
        peers[name] = { error: (e as Error).message.split("\n")[0]! };
      }
    }
  }
  return { dataset: "presidio-research synth_dataset_v2.json", samples: texts.length, mapping: DATASET_TO_OURS, ...ours, peers };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const noPeers = process.argv.includes("--no-peers");
  const result = await evaluatePii({ peers: !noPeers });
  mkdirSync(resolve(ROOT, "bench/results"), { recursive: true });
  const out = resolve(ROOT, "bench/results/pii.json");
  writeFileSync(out, `${JSON.stringify({ benchmark: "pii", date: new Date().toISOString(), ...result }, null, 2)}\n`);
  const line = (name: string, r: SystemResult) =>
    `${name.padEnd(14)} P=${r.overall.precision.toFixed(3)} R=${r.overall.recall.toFixed(3)} F2=${r.overall.f2.toFixed(3)} ${r.mb_per_s} MB/s`;
  process.stdout.write(`${line("llmos", result)}\n`);
  for (const [t, s] of Object.entries(result.per_type)) process.stdout.write(`  ${t.padEnd(18)} P=${s.precision.toFixed(3)} R=${s.recall.toFixed(3)} F2=${s.f2.toFixed(3)} (${s.support}/${s.predicted})\n`);
  for (const [n, r] of Object.entries(result.peers)) process.stdout.write("error" in r ? `${n}: ${r.error}\n` : `${line(n, r)}\n`);
  process.stdout.write(`→ ${out}\n`);
}
