// The analyzer: runs pattern recognizers, the name tagger, deny-lists and custom recognizers,
// applies context and threshold, drops allow-listed values and resolves overlaps.
import { parseAnalyzerConfig, VALIDATORS, type AnalyzerConfig } from "./config.ts";
import { hasContext } from "./context.ts";
import { DATE_PATTERNS } from "./dates.ts";
import { NameTagger } from "./ner.ts";
import { isLowerCased } from "./recase.ts";
import { PATTERNS, type PatternRecognizer } from "./patterns.ts";
import { forgetPhoneAnswers } from "./phone.ts";
import type { Candidate, Finding } from "./types.ts";

const DEFAULT_BOOST = 0.2;
let sharedTagger: NameTagger | undefined;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const contextSets = new WeakMap<PatternRecognizer, Set<string>>();

interface TextFacts {
  digits: number;
  colons: number;
  seps: number;
  maxRun: number;
  dots: number;
  upper: number;
  /** The last gate expression tested on this text and its answer. */
  gateRe?: RegExp;
  gateOk: boolean;
}

// One pass over the characters answers the counting gates of every recognizer.
function textFacts(text: string): TextFacts {
  let digits = 0;
  let colons = 0;
  let seps = 0;
  let run = 0;
  let maxRun = 0;
  let dots = 0;
  let upper = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 57 && c >= 48) {
      digits++;
      run++;
    } else if (c >= 97 && c <= 122) run++;
    else if ((c >= 65 && c <= 90) || c === 43 || c === 47 || c === 95 || c === 61 || c === 45) {
      // Token characters of keys and addresses: letters, digits, + / _ = -
      run++;
      if (c === 45) seps++;
      else if (c <= 90 && c >= 65) upper++;
    } else {
      if (run > maxRun) maxRun = run;
      run = 0;
      if (c === 58) {
        colons++;
        seps++;
      } else if (c === 46) dots++;
    }
  }
  return { digits, colons, seps, maxRun: Math.max(maxRun, run), dots, upper, gateRe: undefined, gateOk: false };
}

function passesGate(p: PatternRecognizer, text: string, facts: TextFacts): boolean {
  const g = p.gate;
  if (g === undefined) return true;
  if (g.digits !== undefined && facts.digits < g.digits) return false;
  if (g.colons !== undefined && facts.colons < g.colons) return false;
  if (g.seps !== undefined && facts.seps < g.seps) return false;
  if (g.run !== undefined && facts.maxRun < g.run) return false;
  if (g.dots !== undefined && facts.dots < g.dots) return false;
  if (g.upper !== undefined && facts.upper > 0 !== g.upper) return false;
  if (g.includes !== undefined && !text.includes(g.includes)) return false;
  if (g.re === undefined) return true;
  // Recognizers next to each other may share a gate (IBAN): its answer for this text is kept.
  if (facts.gateRe === g.re) return facts.gateOk;
  facts.gateRe = g.re;
  return (facts.gateOk = g.re.test(text));
}

function runPattern(p: PatternRecognizer, text: string, out: Candidate[], threshold: number): void {
  p.regex.lastIndex = 0;
  for (let m = p.regex.exec(text); m; m = p.regex.exec(text)) {
    if (m[0].length === 0) {
      p.regex.lastIndex++;
      continue;
    }
    onMatch(p, m, text, out, threshold);
  }
}

// A grouped pattern may run on into the next word ("IBAN ... in the name of"): the longest prefix
// that ends before a space and passes the validator.
function validPrefix(validate: (s: string) => boolean, value: string): string | undefined {
  for (let k = value.lastIndexOf(" "); k > 0; k = value.lastIndexOf(" ", k - 1)) {
    const v = value.slice(0, k);
    if (validate(v)) return v;
  }
  return undefined;
}

function onMatch(p: PatternRecognizer, m: RegExpExecArray, text: string, out: Candidate[], threshold: number): void {
  let context = contextSets.get(p);
  if (!context && p.context) contextSets.set(p, (context = new Set(p.context)));
  let value = m[0];
  let start = m.index;
  if (p.captured) {
    let g: string | undefined;
    for (let k = 1; k < m.length && g === undefined; k++) g = m[k];
    if (g) {
      start = m.index + m[0].indexOf(g);
      value = g;
    }
  }
  let score = p.score;
  // Context first: a weak recognizer that cannot reach the threshold skips its (slower) validator.
  if (context && hasContext(text, start, context)) score = Math.min(1, score + (p.contextBoost ?? DEFAULT_BOOST));
  if (score < threshold && (p.invalidScore ?? 0) < threshold) return;
  if (p.validate && !p.validate(value)) {
    const shorter = p.shrink ? validPrefix(p.validate, value) : undefined;
    if (shorter !== undefined) value = shorter;
    else if (p.invalidScore === undefined) return;
    else score = p.invalidScore;
  }
  out.push({ type: p.type, start, end: start + value.length, score, recognizer: p.name, priority: p.priority ?? (p.name.startsWith("deny:") ? 3 : p.validate ? 2 : 1) });
}

/**
 * Greedy resolution: deny-list, then checksummed/validated patterns, then other patterns, then the
 * tagger; within a tier higher score, then the longer span. A span overlapping a kept one is dropped.
 * Exception: a weak pattern (phone, date, ...) strictly inside a tagged address yields to it, since
 * house numbers and postal codes look like phone numbers and dates.
 */
const YIELDS_TO_ADDRESS = new Set(["PHONE_NUMBER", "DATE_TIME", "US_DRIVER_LICENSE", "US_BANK_NUMBER", "US_PASSPORT", "AGE", "LOCATION"]);
const isStreetLike = (c: Candidate) => c.street === true;

export function resolveOverlaps(cands: Candidate[]): Candidate[] {
  if (cands.length < 2) return cands;
  const places = cands.filter((c) => (c.recognizer === "tagger" || c.recognizer === "address") && c.type === "LOCATION");
  const rest = places.length
    ? cands.filter((c) => !(YIELDS_TO_ADDRESS.has(c.type) && (c.priority ?? 0) < 2 && c.recognizer !== "tagger" && places.some((p) => isStreetLike(p) && p.start <= c.start && c.end <= p.end && p.end - p.start > c.end - c.start)))
    : cands;
  const sorted = [...rest].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || b.score - a.score || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    if (kept.some((k) => c.start < k.end && k.start < c.end)) continue;
    kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start);
}

const APPOSITIVE_AGE = /,\s*(\d{1,3})\s*,| ?\((\d{1,3})\)/y;

// "Jane Roe, 54, from Leeds", "Jane Roe (54) came in": a number set off by commas or in parentheses
// right after a name is the person's age.
function appositiveAge(text: string, person: Candidate, out: Candidate[]): void {
  const c = text.charCodeAt(person.end);
  if (c !== 44 && c !== 32 && c !== 40) return;
  APPOSITIVE_AGE.lastIndex = person.end;
  const m = APPOSITIVE_AGE.exec(text);
  const age = m?.[1] ?? m?.[2];
  if (!m || age === undefined || Number(age) > 120) return;
  const start = person.end + m[0].indexOf(age);
  out.push({ type: "AGE", start, end: start + age.length, score: 0.6, recognizer: "age_apposition", priority: 1 });
}

export interface AnalyzeOptions {
  /** Report only these types (within those the config enables). */
  entities?: string[];
  /**
   * Whether the whole document is lower-cased ("i met john smith"), when `text` is only a piece of
   * it (a streamed response); by default decided from `text` itself.
   */
  lowerCased?: boolean;
  /** Keep the recognizer name on each finding (debugging without values). */
  withRecognizer?: boolean;
}

export class Analyzer {
  readonly config: AnalyzerConfig;
  private readonly patterns: PatternRecognizer[];
  private readonly allow: Set<string>;
  private readonly tagger: NameTagger | undefined;
  private readonly enabled: Set<string> | undefined;
  /** Per pattern (same index): the scan for its context words, where it needs one to pass. */
  private readonly contextGates: (RegExp | undefined)[];

  constructor(config: unknown = {}) {
    this.config = parseAnalyzerConfig(config);
    this.allow = new Set(this.config.allow.map((s) => s.toLowerCase()));
    const custom: PatternRecognizer[] = this.config.recognizers.map((r) => ({
      name: `custom:${r.name}`,
      type: r.type,
      regex: new RegExp(r.pattern, `g${(r.flags ?? "").replace("g", "")}`),
      score: r.score,
      context: r.context?.map((w) => w.toLowerCase()),
      contextBoost: r.contextBoost,
      validate: r.validator ? VALIDATORS[r.validator] : undefined,
    }));
    const deny: PatternRecognizer[] = this.config.deny.map((d, i) => ({
      name: `deny:${i}`,
      type: d.type,
      regex: new RegExp(`(?<![\\p{L}\\p{N}])(?:${d.values.map(escapeRegex).sort((a, b) => b.length - a.length).join("|")})(?![\\p{L}\\p{N}])`, "giu"),
      score: 1,
    }));
    this.enabled = this.config.entities ? new Set(this.config.entities) : undefined;

    // Recognizers of types the tenant did not enable never run, nor those that cannot reach the
    // threshold at all (no context word to raise them).
    const reachable = (p: PatternRecognizer) => p.score + (p.context?.length ? (p.contextBoost ?? DEFAULT_BOOST) : 0) >= this.config.threshold || (p.invalidScore ?? 0) >= this.config.threshold;
    this.patterns = [...PATTERNS, ...DATE_PATTERNS, ...custom, ...deny].filter((p) => (!this.enabled || this.enabled.has(p.type)) && reachable(p));
    // A recognizer that only reaches the threshold with a context word cannot find anything in a
    // text where none of its words occurs: one case-insensitive scan for them skips its regex.
    // Not where the gate already looks for those words (regional phones) or they are too common.
    this.contextGates = this.patterns.map((p) =>
      p.context?.length && p.contextGate !== false && p.gate?.re === undefined && p.score < this.config.threshold && (p.invalidScore ?? 0) < this.config.threshold
        ? new RegExp(p.context.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "i")
        : undefined,
    );
    if (this.config.tagger) this.tagger = sharedTagger ??= NameTagger.load();
  }

  private wants(type: string, only: Set<string> | undefined): boolean {
    return (!this.enabled || this.enabled.has(type)) && (!only || only.has(type));
  }

  /** Findings in `text`, sorted by start; offsets are JavaScript string indices, end exclusive. */
  analyze(text: string, options: AnalyzeOptions = {}): Finding[] {
    const only = options.entities ? new Set(options.entities) : undefined;
    const cands: Candidate[] = [];
    const facts = textFacts(text);
    forgetPhoneAnswers();
    for (let k = 0; k < this.patterns.length; k++) {
      const p = this.patterns[k]!;
      if (only && !only.has(p.type)) continue;
      if (!passesGate(p, text, facts)) continue;
      const ctx = this.contextGates[k];
      if (ctx && !ctx.test(text)) continue;
      runPattern(p, text, cands, this.config.threshold);
    }
    if (this.tagger && (this.wants("PERSON", only) || this.wants("LOCATION", only) || this.wants("ORGANIZATION", only))) {
      // Strong pattern findings are shown to the tagger as one placeholder token each, so that
      // it sees "call <PHONE>" as context and never tags pieces of an e-mail address or a date.
      const masks = cands.filter((c) => (c.priority ?? 0) >= 1.5 && c.score >= this.config.threshold);
      for (const c of this.tagger.find(text, masks, this.config.joinAddressParts, options.lowerCased ?? isLowerCased(text))) {
        if (this.wants(c.type, only)) cands.push(c);
        if (c.type === "PERSON" && this.wants("AGE", only)) appositiveAge(text, c, cands);
      }
    }
    const passing = cands.filter((c) => c.score >= this.config.threshold && !(this.allow.size && this.allow.has(text.slice(c.start, c.end).toLowerCase())));
    return resolveOverlaps(passing).map((c) =>
      options.withRecognizer ? { type: c.type, start: c.start, end: c.end, score: c.score, recognizer: c.recognizer } : { type: c.type, start: c.start, end: c.end, score: c.score },
    );
  }
}

let defaultAnalyzer: Analyzer | undefined;

/** Analyzes with the default configuration (one shared analyzer per process). */
export function analyze(text: string, options?: AnalyzeOptions): Finding[] {
  defaultAnalyzer ??= new Analyzer();
  return defaultAnalyzer.analyze(text, options);
}
