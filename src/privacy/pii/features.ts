// Features of one token for the name/place/organisation tagger: shape, lexicon membership and the
// words and tags around it. Lexicons generalise past the training names; context words carry the rest.
import { streetMarker } from "./address.ts";
import type { Lexicons } from "./lexicon.ts";

// Street prefixes written in lower case ("via", "rue"): they set the street bit without a capital.
const STREET_PREFIX_LOWER = new Set(["rue", "via", "calle", "avenida", "rua", "piazza", "plaza", "ulica", "aleja", "strada", "camino", "chemin", "corso"]);
import type { Token } from "./tokenize.ts";

export const TITLES = new Set(["mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam", "mx", "rev", "herr", "frau", "mme", "mlle", "sr", "sra", "dott", "señor", "señora", "monsieur"]);
export const ORG_SUFFIX = new Set(["inc", "llc", "ltd", "corp", "corporation", "co", "company", "gmbh", "ag", "sa", "plc", "group", "holdings", "partners", "associates", "bank", "university", "institute", "foundation", "technologies", "systems", "solutions", "labs", "industries", "limited", "bv", "nv", "srl", "spa", "oy", "ab", "as", "kg", "llp", "pty", "sons", "enterprises", "services", "consulting", "agency", "hospital", "college"]);
const MONTHS = new Set(["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]);

function shape(w: string): string {
  let s = "";
  let last = "";
  for (const ch of w) {
    const c = /\d/.test(ch) ? "d" : ch.toUpperCase() !== ch ? "x" : ch.toLowerCase() !== ch ? "X" : ch;
    if (c !== last) s += c;
    last = c;
    if (s.length >= 5) break;
  }
  return s;
}

/**
 * If a multi-word place name ("New York", "Rio de Janeiro", commas and line breaks between its words
 * allowed) starts at token i, marks it (1 for the first word, 2 for the rest) and returns true.
 */
export function markMultiPlace(tokens: Token[], i: number, lex: Lexicons, marks: Uint8Array): boolean {
  const cands = lex.multiPlaces.get(tokens[i]!.text);
  if (!cands) return false;
  for (const c of cands) {
    let j = i;
    let k = 0;
    const at: number[] = [];
    while (k < c.length && j < tokens.length) {
      const w = tokens[j]!.text;
      if (w === "," || w === "\n") {
        j++;
        continue;
      }
      if (w !== c[k]) break;
      at.push(j);
      j++;
      k++;
    }
    if (k === c.length) {
      at.forEach((x, n) => (marks[x] = n === 0 ? 1 : 2));
      return true;
    }
  }
  return false;
}

/** Marks of every multi-word place name in the tokens (see markMultiPlace). */
export function multiPlaceMarks(tokens: Token[], lex: Lexicons): Uint8Array {
  const marks = new Uint8Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const code = tokens[i]!.text.charCodeAt(0);
    if ((code >= 97 && code <= 122) || code < 65 || marks[i]) continue;
    markMultiPlace(tokens, i, lex, marks);
  }
  return marks;
}

/** Features of a token's own text (cacheable by text). */
export function ownFeatures(t: string, lex: Lexicons): string[] {
  const lower = t.toLowerCase();
  // Affixes carry name and place morphology ("-son", "-ville", "-shire", "Mc-") past the lexicons.
  const f = ["b", `w=${lower}`, `s=${shape(t)}`, `suf=${lower.slice(-3)}`, `suf4=${lower.slice(-4)}`, `suf2=${lower.slice(-2)}`, `pre=${lower.slice(0, 3)}`];
  if (t[0] !== undefined && t[0] !== t[0].toLowerCase()) f.push("cap");
  lexFeatures(t, lower, lex, f, "");
  if (/^\d+$/.test(t)) f.push(`num${Math.min(t.length, 6)}`);
  return f;
}

export type Offset = "p1" | "p2" | "n1" | "n2";
const BOUNDARY = new Set(["\n", ".", "!", "?", '"']);

/** Features of the token at a relative offset (cacheable by offset and text; undefined = none). */
export function neighborFeatures(k: Offset, t: string | undefined, lex: Lexicons): string[] {
  if (t === undefined) return k === "p1" ? [`${k}=<>`, "first"] : [`${k}=<>`];
  const lw = t.toLowerCase();
  const f = [`${k}=${lw}`];
  if (k === "p1" && BOUNDARY.has(t)) f.push("first");
  if (k === "p1" || k === "n1") {
    f.push(`${k}s=${shape(t)}`);
    lexFeatures(t, lw, lex, f, k);
  }
  return f;
}

/**
 * Bits of a token's own text used in the conjunction feature: capitalised, a common English word,
 * a known first name, last name, place. A linear model cannot form "capitalised AND unknown AND
 * not sentence-initial" by itself, so the conjunction is given as one feature.
 */
export function tokenBits(t: string, lex: Lexicons): number {
  const c = t[0];
  if (c === undefined) return 0;
  const cap = c !== c.toLowerCase() ? 1 : 0;
  if (!cap) return STREET_PREFIX_LOWER.has(t) ? 128 : 0;
  const lower = t.toLowerCase();
  return cap | (streetMarker(t, lex) ? 128 : 0) | (lex.multiPlaces.has(t) ? 64 : 0) | (lex.commonWords.has(lower) ? 2 : 0) | (lex.firstNames.has(t) || lex.anyNames.has(t) ? 4 : 0) | (lex.lastNames.has(t) ? 8 : 0) | (lex.cities.has(t) || lex.countries.has(t) || lex.states.has(t) ? 16 : 0);
}

export function isBoundary(prev: string | undefined): boolean {
  return prev === undefined || BOUNDARY.has(prev);
}

/** The conjunction feature of a token: its bits, whether it starts a sentence, and the previous token's bits. */
export function conjFeature(bits: number, first: boolean, prevBits: number): string {
  return `cj=${(bits & 31) | (first ? 32 : 0)}|${prevBits & 1 ? prevBits & 31 : 0}`;
}

/** Static features of token i (everything except the previous tags). */
export function tokenFeatures(tokens: Token[], i: number, lex: Lexicons, marks: Uint8Array): string[] {
  const f = ownFeatures(tokens[i]!.text, lex);
  f.push(...neighborFeatures("p1", tokens[i - 1]?.text, lex), ...neighborFeatures("p2", tokens[i - 2]?.text, lex));
  f.push(...neighborFeatures("n1", tokens[i + 1]?.text, lex), ...neighborFeatures("n2", tokens[i + 2]?.text, lex));
  if (marks[i] === 1) f.push("mp=B");
  if (marks[i] === 2) f.push("mp=I");
  const prev = tokens[i - 1]?.text;
  f.push(conjFeature(tokenBits(tokens[i]!.text, lex), isBoundary(prev), prev === undefined ? 0 : tokenBits(prev, lex)));
  return f;
}

function lexFeatures(t: string, lower: string, lex: Lexicons, f: string[], prefix: string): void {
  if (lex.firstNames.has(t)) f.push(`${prefix}fn`);
  if (lex.anyNames.has(t)) f.push(`${prefix}hn`);
  if (t !== lower && lex.commonWords.has(lower)) f.push(`${prefix}cw`);
  if (lex.lastNames.has(t)) f.push(`${prefix}ln`);
  if (lex.bigCities.has(t)) f.push(`${prefix}bc`);
  else if (lex.cities.has(t)) f.push(`${prefix}ct`);
  if (lex.countries.has(t)) f.push(`${prefix}cn`);
  if (lex.states.has(t)) f.push(`${prefix}st`);
  if (lex.stateAbbr.has(t)) f.push(`${prefix}sa`);
  if (lex.streetWords.has(lower)) f.push(`${prefix}sw`);
  if (TITLES.has(lower)) f.push(`${prefix}ti`);
  if (ORG_SUFFIX.has(lower)) f.push(`${prefix}os`);
  if (MONTHS.has(lower)) f.push(`${prefix}mo`);
}

/** Features that depend on the tags already chosen for the two previous tokens. */
export function tagFeatures(prev: string, prev2: string, word: string): string[] {
  return [`t1=${prev}`, `t12=${prev2}|${prev}`, `t1w=${prev}|${word.toLowerCase()}`];
}
