// From tags to findings: B-/I- runs become spans, address parts are joined, rule-found addresses
// absorb what they overlap, and single words follow unambiguous lexicons.
import { isBoundary } from "./features.ts";
import type { Lexicons } from "./lexicon.ts";
import type { Token } from "./tokenize.ts";
import type { Candidate } from "./types.ts";

const TYPE_OF: Record<string, string> = { PER: "PERSON", LOC: "LOCATION", ORG: "ORGANIZATION" };
const KINDS = ["PER", "LOC", "ORG"];
const isPunct = (t: string) => t.length === 1 && /^[^\p{L}\d]$/u.test(t);
const isLetterStart = (t: string) => {
  const c = t.charCodeAt(0);
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c > 127 && t[0] !== "⟦");
};
const isPossessive = (t: string) => t.length === 2 && (t[0] === "'" || t[0] === "’") && (t[1] === "s" || t[1] === "S");

/** Joins B-/I- runs (tag indices into NER_TAGS) into findings; trailing punctuation is trimmed off. */
export function spansFromTags(tokens: Token[], tags: Uint8Array, lex?: Lexicons): Candidate[] {
  const out: Candidate[] = [];
  let i = 0;
  while (i < tokens.length) {
    const tag = tags[i]!;
    if (tag === 0) {
      i++;
      continue;
    }
    const k = (tag - 1) >> 1;
    const inside = 2 * k + 2;
    let j = i + 1;
    while (j < tokens.length && tags[j] === inside) j++;
    let last = j - 1;
    while (last > i && (isPunct(tokens[last]!.text) || tokens[last]!.text.startsWith("⟦") || isPossessive(tokens[last]!.text))) last--;
    // A run of numbers alone is not a name or a place the tagger can vouch for.
    let hasWord = false;
    for (let x = i; x <= last && !hasWord; x++) if (isLetterStart(tokens[x]!.text)) hasWord = true;
    if (hasWord && !isPunct(tokens[i]!.text) && !tokens[i]!.text.startsWith("⟦")) {
      let kind = KINDS[k]!;
      // One word alone: the lexicons outvote the tagger when they are unambiguous ("Thomas" is a
      // person, "Norway" a place), since a single word gives the tagger little context.
      if (lex && last === i) kind = lexiconKind(tokens[i]!.text, kind, lex);
      // "Ford Motor Company", "Rio Tinto plc": a legal-form or sector word at the end makes it an organisation.
      if (last === j - 1 && j < tokens.length && isOrgEnd(tokens[j]!.text, lex) && tokens[j]!.start <= tokens[last]!.end + 1) {
        last = j;
        j++;
      }
      if (kind !== "ORG" && last > i && isOrgEnd(tokens[last]!.text, lex)) kind = "ORG";

      let zip: Candidate | undefined;
      if (kind === "LOC" && lex) {
        // "Kentucky 08500" outside a street address: the place and its postcode are two places.
        let k = last;
        while (k > i && (isDigits(tokens[k]!.text) || (tokens[k]!.text === "-" && k < last))) k--;
        if (k < last && isDigits(tokens[last]!.text) && knownPlace(tokens[k]!.text, lex)) {
          zip = { type: "LOCATION", start: tokens[k + 1]!.start, end: tokens[last]!.end, score: 0.85, recognizer: "tagger" };
          last = k;
        } else if (j < tokens.length && isDigits(tokens[j]!.text) && knownPlace(tokens[last]!.text, lex) && !/\d/.test(tokens[last]!.text)) {
          // "Illinois 62704" where the tagger left the postcode out.
          let e = j;
          if (tokens[j + 1]?.text === "-" && /^\d{4}$/.test(tokens[j + 2]?.text ?? "")) e = j + 2;
          zip = { type: "LOCATION", start: tokens[j]!.start, end: tokens[e]!.end, score: 0.85, recognizer: "tagger" };
          j = e + 1;
        }
      }
      const end = tokens[last]!.end;
      const c: Candidate = { type: TYPE_OF[kind]!, start: tokens[i]!.start, end, score: 0.85, recognizer: "tagger" };
      if (kind === "LOC") {
        for (let x = i; x <= last; x++) {
          const code = tokens[x]!.text.charCodeAt(0);
          if (code >= 48 && code <= 57) c.street = true;
        }
      }
      out.push(c);
      if (zip) out.push(zip);
    }
    i = j;
  }
  return out;
}

// Last words that only organisations end in (legal forms and sector words).
const ORG_END = new Set(["inc", "llc", "ltd", "corp", "corporation", "company", "co", "gmbh", "ag", "plc", "group", "holdings", "partners", "associates", "bank", "bancorp", "technologies", "systems", "solutions", "industries", "limited", "llp", "enterprises", "services", "consulting", "pharmaceuticals", "airlines", "insurance", "foundation", "institute", "university", "authority", "agency", "trust", "bv", "nv", "spa", "srl"]);
// "CO" and "IN" are states too.
const isOrgEnd = (t: string, lex?: Lexicons) => ORG_END.has(t.toLowerCase()) && isLetterStart(t) && !lex?.stateAbbr.has(t);
const isDigits = (t: string) => /^\d{3,6}$/.test(t);
const knownPlace = (t: string, lex: Lexicons) => lex.states.has(t) || lex.stateAbbr.has(t) || lex.countries.has(t) || lex.bigCities.has(t);

/** Rule-found addresses absorb the tagged spans they overlap (a street named after a person included). */
export function withAddresses(tagged: Candidate[], addresses: Candidate[]): Candidate[] {
  if (addresses.length === 0) return tagged;
  const out: Candidate[] = [];
  for (const a of addresses) {
    for (const t of tagged) {
      if (t.start < a.end && a.start < t.end && t.type === "LOCATION") {
        a.start = Math.min(a.start, t.start);
        a.end = Math.max(a.end, t.end);
      }
    }
  }
  for (const t of tagged) if (!addresses.some((a) => t.start < a.end && a.start < t.end)) out.push(t);
  return [...out, ...addresses].sort((x, y) => x.start - y.start);
}

const kindCache = new Map<string, string>();

function lexiconKind(word: string, kind: string, lex: Lexicons): string {
  const key = `${kind}\u0000${word}`;
  let v = kindCache.get(key);
  if (v === undefined) {
    v = lexiconKindUncached(word, kind, lex);
    if (kindCache.size > 50_000) kindCache.clear();
    kindCache.set(key, v);
  }
  return v;
}

function lexiconKindUncached(word: string, kind: string, lex: Lexicons): string {
  const name = lex.firstNames.has(word) || lex.lastNames.has(word);
  const place = lex.countries.has(word) || lex.states.has(word) || lex.bigCities.has(word);
  if (kind === "ORG" && name && !place && !lex.commonWords.has(word.toLowerCase())) return "PER";
  if (kind === "PER" && (lex.countries.has(word) || lex.states.has(word)) && !name) return "LOC";
  return kind;
}

/**
 * Words the tagger left as "O" that look like names anyway: capitalised, not at a sentence start,
 * not an acronym, not an English word or a known place. F2 weighs a miss four times a false alarm,
 * so they are reported as PERSON with a low score (runs of them as one span).
 */
export function unknownCapitalised(tokens: Token[], tags: Uint8Array, lex: Lexicons): Candidate[] {
  const out: Candidate[] = [];
  let open: Candidate | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.text;
    const ok = tags[i] === 0 && t.length >= 3 && isCapWord(t) && t !== t.toUpperCase() && !isBoundary(tokens[i - 1]?.text) && tokens[i - 1]?.text !== ":" &&
      !lex.commonWords.has(t.toLowerCase()) && !lex.countries.has(t) && !lex.states.has(t) && !lex.bigCities.has(t);
    if (!ok) {
      open = undefined;
      continue;
    }
    if (open && tokens[i - 1]!.end + 1 >= tokens[i]!.start) open.end = tokens[i]!.end;
    else out.push((open = { type: "PERSON", start: tokens[i]!.start, end: tokens[i]!.end, score: 0.4, recognizer: "tagger-unknown" }));
  }
  return out;
}

function isCapWord(t: string): boolean {
  const c = t.charCodeAt(0);
  if (c >= 65 && c <= 90) return true;
  if (c < 128) return false;
  const ch = t[0]!;
  return ch !== ch.toLowerCase();
}
