// Postal addresses by rule: a house number and street words ("6750 Main Street", "Koskikatu 25",
// "Rue de la Paix 12", "the corner of X Street and Y Avenue"), then a town, state and postcode
// written after it on the same line without a comma ("12 Oak Street Apt. 5 Springfield IL").
import type { Lexicons } from "./lexicon.ts";
import type { Token } from "./tokenize.ts";
import type { Candidate } from "./types.ts";

// Endings of one-word street names in languages that write the street type into the word
// ("Hauptstraße", "Koskikatu", "Drottninggatan"); only on words of six letters or more.
const STREET_ENDINGS = /(?:straße|strasse|weg|gasse|allee|platz|damm|katu|kuja|polku|gata|gatan|vägen|veien|vej|gade|laan|straat|dijk|plein|utca|ulica|sokak|caddesi|sokağı)$/i;
const STREET_PREFIX = new Set(["rue", "via", "viale", "calle", "avenida", "avda", "rua", "travessa", "praça", "piazza", "plaza", "paseo", "carrer", "ulica", "boulevard", "chemin", "allée", "impasse", "quai", "camino", "carretera", "rambla", "corso", "strada", "vicolo", "aleja", "contrada", "largo", "borgo", "piazzale", "vico", "praceta", "avinguda", "carrera"]);
const UNIT = new Set(["apt", "apartment", "suite", "ste", "unit", "floor", "fl", "room", "rm", "building", "bldg", "box", "po", "#", "no", "nr", "piso", "puerta", "esc", "dept", "flat"]);
const CONNECT = new Set(["de", "da", "del", "des", "du", "la", "le", "di", "van", "von", "der", "the", "of", "do", "dos", "das", "y", "e", "am", "an", "im", "auf", "st", "-", "'", "’"]);

const isCap = (t: string) => {
  const code = t.charCodeAt(0);
  if (code < 128) return code >= 65 && code <= 90;
  const c = t[0]!;
  return c !== c.toLowerCase();
};
const isNum = (t: string) => {
  const code = t.charCodeAt(0);
  return code >= 48 && code <= 57 && t.length <= 6 && /^\d+$/.test(t);
};

// "2nd", "21st", "12th": a number with an ordinal ending names a street ("W 2nd Street").
const ORDINAL = new Set(["st", "nd", "rd", "th", "ST", "ND", "RD", "TH"]);
function ordinalAt(tokens: Token[], j: number): boolean {
  const n = tokens[j + 1];
  return n !== undefined && ORDINAL.has(n.text) && n.start === tokens[j]!.end && isNum(tokens[j]!.text);
}

const streetCache = new Map<string, boolean>();

/** A street-type word: a suffix ("Street", "Gasse") or a one-word street name ending ("Koskikatu"). */
export function streetWord(t: string, lex: Lexicons): boolean {
  let v = streetCache.get(t);
  if (v === undefined) {
    const lower = t.toLowerCase();
    v = lex.streetSuffixes.has(lower) || (lower.length >= 6 && STREET_ENDINGS.test(lower));
    if (streetCache.size > 50_000) streetCache.clear();
    streetCache.set(t, v);
  }
  return v;
}

/** Street addresses in `tokens`, extended over the town, state and postcode on the same line. */
/** A word that may mark a street: a street-type word or a prefix such as "Rue", "Via", "Calle". */
export function streetMarker(t: string, lex: Lexicons): boolean {
  return streetWord(t, lex) || STREET_PREFIX.has(t.toLowerCase());
}

export function findAddresses(tokens: Token[], lex: Lexicons): Candidate[] {
  const out: Candidate[] = [];
  // Cheap pre-check (the tagger runs a cheaper one first): a house number and a street word.
  let anyNum = false;
  let anyStreet = false;
  for (const tok of tokens) {
    if (!anyNum && isNum(tok.text)) anyNum = true;
    if (!anyStreet && (isCap(tok.text) || STREET_PREFIX.has(tok.text)) && (streetWord(tok.text, lex) || STREET_PREFIX.has(tok.text.toLowerCase()))) anyStreet = true;
    if (anyNum && anyStreet) break;
  }
  if (!anyStreet || (!anyNum && !tokens.some((t) => t.text === "corner" || t.text === "Corner"))) return out;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.text;
    if (t === "corner" || t === "Corner") {
      const c = corner(tokens, i, lex);
      if (c) {
        out.push(c);
        i = tokens.findIndex((x) => x.end === c.end);
        continue;
      }
    }
    if (!anyNum) continue;
    let end = -1;
    if (isNum(t)) end = numberFirst(tokens, i, lex);
    else if (isCap(t) || STREET_PREFIX.has(t.toLowerCase())) end = nameFirst(tokens, i, lex);
    if (end < 0) continue;
    end = extend(tokens, end, lex);
    out.push({ type: "LOCATION", start: tokens[i]!.start, end: tokens[end]!.end, score: 0.8, recognizer: "address", street: true });
    i = end;
  }
  return out;
}

// A run of up to four capitalised words (any case in lower-cased text) that ends in a street word.
function streetRun(tokens: Token[], j: number, lex: Lexicons): number {
  let last = -1;
  // A street-type word first ("Strada Paganelli"): the run of words after it is the name.
  const prefixed = tokens[j] !== undefined && STREET_PREFIX.has(tokens[j]!.text.toLowerCase());
  for (let k = j; k < tokens.length && k < j + 4; k++) {
    const w = tokens[k]!.text;
    if (ordinalAt(tokens, k)) {
      k++;
      continue;
    }
    if (!/^\p{L}/u.test(w) || (k > j && (w === "and" || w === "&"))) break;
    if (prefixed && k > j && !isCap(w) && !CONNECT.has(w.toLowerCase())) break;
    if (streetWord(w, lex) || (prefixed && isCap(w))) last = k;
  }
  return last;
}

// "the corner of Garcia Crossing and Kim Loaf": one place, from "the" to the second street.
function corner(tokens: Token[], i: number, lex: Lexicons): Candidate | undefined {
  if (tokens[i + 1]?.text.toLowerCase() !== "of") return undefined;
  const a = streetRun(tokens, i + 2, lex);
  if (a < 0 || !["and", "&"].includes(tokens[a + 1]?.text.toLowerCase() ?? "")) return undefined;
  const b = streetRun(tokens, a + 2, lex);
  if (b < 0) return undefined;
  const start = tokens[i - 1]?.text.toLowerCase() === "the" ? tokens[i - 1]!.start : tokens[i]!.start;
  return { type: "LOCATION", start, end: tokens[b]!.end, score: 0.8, recognizer: "address", street: true };
}

// "6750 Koskikatu", "12 Baker Street", "4 rue de la Paix": number, then words with a street word.
function numberFirst(tokens: Token[], i: number, lex: Lexicons): number {
  let j = i + 1;
  if (tokens[j] && /^[A-Za-z]$/.test(tokens[j]!.text) && tokens[j]!.start === tokens[i]!.end) j++; // "97A"
  if (tokens[j]?.text === ",") j++;
  let words = 0;
  let street = false;
  let last = -1;
  for (; j < tokens.length && words < 6; j++) {
    const w = tokens[j]!.text;
    if (w === "\n") break;
    if (ordinalAt(tokens, j)) {
      words++;
      last = ++j;
      continue;
    }
    if (isCap(w) || STREET_PREFIX.has(w.toLowerCase())) {
      words++;
      if (streetWord(w, lex) || STREET_PREFIX.has(w.toLowerCase())) street = true;
      last = j;
    } else if (CONNECT.has(w.toLowerCase()) || w === ".") continue;
    else if (isNum(w) && street) {
      last = j;
      break;
    } else break;
  }
  if (!street || last < 0) return -1;
  return unitTail(tokens, last);
}

// "Koskikatu 25", "Rue de Rivoli 12", "Baker Street 221": street words then the house number.
function nameFirst(tokens: Token[], i: number, lex: Lexicons): number {
  let street = false;
  for (let j = i; j < tokens.length && j < i + 7; j++) {
    const w = tokens[j]!.text;
    if (isCap(w) || STREET_PREFIX.has(w.toLowerCase())) {
      if (streetWord(w, lex) || (j === i && STREET_PREFIX.has(w.toLowerCase()))) street = true;
      continue;
    }
    if (CONNECT.has(w.toLowerCase()) || w === ".") continue;
    if (w === "," && tokens[j + 1] && isNum(tokens[j + 1]!.text) && street) continue;
    if (isNum(w) && street) return unitTail(tokens, j);
    return -1;
  }
  return -1;
}

// "Apt. 864", "Suite 200", "#5", "3rd floor" after the street line.
function unitTail(tokens: Token[], j: number): number {
  let end = j;
  let k = j + 1;
  if (tokens[k] && /^[A-Za-z]$/.test(tokens[k]!.text) && tokens[k]!.start === tokens[j]!.end) end = k++;
  // Danish floor and side after the house number: "Åstrupvej 7. th", "Toft Ågade 3. tv".
  if (tokens[k]?.text === "." && /^(?:\d+\.?\s*)?(?:tv|th|mf)$/.test(tokens[k + 1]?.text ?? "")) {
    end = k + 1;
    k += 2;
  }
  for (let n = 0; n < 2; n++) {
    if (tokens[k]?.text === ",") k++;
    const w = tokens[k]?.text.toLowerCase();
    if (!w || !UNIT.has(w)) break;
    k++;
    if (tokens[k]?.text === ".") k++;
    if (tokens[k] && /^(?:\d+[A-Za-z]?|[A-Z])$/.test(tokens[k]!.text)) {
      end = k;
      k++;
    } else break;
  }
  return end;
}

function placeWord(t: string, lex: Lexicons): boolean {
  return lex.cities.has(t) || lex.states.has(t) || lex.countries.has(t) || lex.stateAbbr.has(t);
}

// After the street line on the same line: place names (lexicon, or unknown towns that a state or
// postcode follows), state abbreviations and postcodes.
function extend(tokens: Token[], end: number, lex: Lexicons): number {
  let k = end + 1;
  let best = end;
  while (k < tokens.length) {
    const w = tokens[k]!.text;
    // Only the words on the same line, without a comma between, extend the street line here; parts
    // after a comma or line break are found by the tagger and joined on (spans.ts joinAddressParts).
    if (w === "," || w === "\n") break;
    if (w === "-") {
      k++;
      continue;
    }
    if (/^\d{3,6}$/.test(w) || (/^[A-Z]{1,2}\d/.test(w) && w.length <= 4)) {
      // Postcodes: "64677", "94107-1234", "SW1A 1AA", "1234 AB".
      let e = k;
      if (tokens[k + 1]?.text === "-" && /^\d{3,4}$/.test(tokens[k + 2]?.text ?? "")) e = k + 2;
      else if (tokens[k + 1] && /^\d[A-Z]{2}$|^[A-Z]{2}$/.test(tokens[k + 1]!.text) && /^[A-Z]/.test(w)) e = k + 1;
      best = e;
      k = e + 1;
      continue;
    }
    if (isCap(w)) {
      // A run of capitalised words: a place if the lexicon knows one of them.
      let e = k;
      let known = placeWord(w, lex);
      while (tokens[e + 1] && (isCap(tokens[e + 1]!.text) || CONNECT.has(tokens[e + 1]!.text.toLowerCase())) && e - k < 4) {
        e++;
        if (placeWord(tokens[e]!.text, lex)) known = true;
      }
      // An unknown town ("Port Sarah") counts when a state, country or postcode follows it.
      if (!known) {
        let n = e + 1;
        while (tokens[n] && (tokens[n]!.text === "," || tokens[n]!.text === "\n")) n++;
        const next = tokens[n]?.text ?? "";
        if (!(placeWord(next, lex) || /^\d{4,6}$/.test(next))) break;
      }
      best = e;
      k = e + 1;
      continue;
    }
    break;
  }
  return best;
}
