// From tags to findings: B-/I- runs become spans, rule-found addresses absorb what they overlap,
// the parts of one postal address are joined and single words follow unambiguous lexicons.
import { streetMarker } from "./address.ts";
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
const isBracket = (t: string) => t.length === 1 && (t === "(" || t === ")" || t === "[" || t === "]");
// A closing bracket, or a "(" whose ")" follows within the run after at most three tokens.
function closesSoon(tokens: Token[], tags: Uint8Array, j: number, inside: number): boolean {
  if (tokens[j]!.text !== "(" && tokens[j]!.text !== "[") return true;
  for (let k = j + 1; k <= j + 4 && k < tokens.length && tags[k] === inside; k++) if (tokens[k]!.text === ")" || tokens[k]!.text === "]") return k > j + 1;
  return false;
}
// Lower-case words that may join the parts of a name but never end one.
const TRAILING_JOINERS = new Set(["and", "&", "und", "et", "of", "the", "on", "upon"]);

function opensWithin(tokens: Token[], a: number, last: number): boolean {
  for (let x = a; x < last; x++) if (tokens[x]!.text === "(") return true;
  return false;
}
const isPossessive = (t: string) => t.length === 2 && (t[0] === "'" || t[0] === "’") && (t[1] === "s" || t[1] === "S");

/** Joins B-/I- runs (tag indices into NER_TAGS) into findings; trailing punctuation is trimmed off. */
export function spansFromTags(tokens: Token[], tags: Uint8Array, lex?: Lexicons): Candidate[] {
  const out: Candidate[] = [];
  let i = 0;
  while (i < tokens.length) {
    const tag = tags[i]!;
    // A bracket is never inside a name ("Ann Roe (Acme Ltd)" is a person, then a firm).
    if (tag === 0 || isBracket(tokens[i]!.text)) {
      i++;
      continue;
    }
    const k = (tag - 1) >> 1;
    const inside = 2 * k + 2;
    let j = i + 1;
    while (j < tokens.length && tags[j] === inside) {
      // "Frankfurt (Oder)" is one place, but "Ann Roe (Acme Ltd" is a name, then a firm: a bracket
      // ends a name, and a place or firm unless it closes within three tokens.
      if (isBracket(tokens[j]!.text) && (k === 0 || !closesSoon(tokens, tags, j, inside))) break;
      j++;
    }
    // "University of" + "Åland Islands": an organisation whose name ends in a place.
    let joinedOf = false;
    if (tokens[j - 1]!.text === "of" && j < tokens.length && tags[j] !== 0 && (tags[j]! & 1) === 1) {
      const next = tags[j]! + 1;
      j++;
      while (j < tokens.length && tags[j] === next) j++;
      joinedOf = true;
    }
    let last = j - 1;
    // Greetings, titles and form labels before a name are not part of it ("Hello Faye", "Dr. Lee",
    // "Name: Ann Roe"), nor a pronoun after it ("... Coffee I ever had").
    let a = i;
    // "Landlord: River Pharma": a field label before a colon is not part of what follows it.
    for (let x = a; x < last; x++) if (tokens[x]!.text === ":" && isLetterStart(tokens[x + 1]!.text)) a = x + 1;
    while (a < last && ((lex && (wordFlags(tokens[a]!.text, lex) & LEAD || dottedTitle(tokens, a, lex))) || tokens[a]!.text === "." || tokens[a]!.text === ":")) a++;
    if (last > a && tokens[last]!.text === "I") last--;
    // Nor a joining word left at the end ("... looked at Schulman and said").
    while (last > a && (isPunct(tokens[last]!.text) || tokens[last]!.text.startsWith("⟦") || isPossessive(tokens[last]!.text) || TRAILING_JOINERS.has(tokens[last]!.text))) {
      // "Frankfurt (Oder)" keeps the bracket it closes.
      if (tokens[last]!.text === ")" && opensWithin(tokens, a, last)) break;
      last--;
    }
    // "Senior Software Engineer Kim Lee", "the British chef Ana Roe": a job title or nationality in
    // front of a name is not part of the person.
    let titled = false;
    if (lex && k !== 1 && last > a && !joinedOf) {
      const b = titleEnd(tokens, a, last, lex, k === 2);
      if (b > a) {
        a = b;
        titled = true;
      }
    }
    // A run of numbers alone is not a name or a place the tagger can vouch for.
    let hasWord = false;
    for (let x = a; x <= last && !hasWord; x++) if (isLetterStart(tokens[x]!.text)) hasWord = true;
    if (hasWord && !isPunct(tokens[a]!.text) && !tokens[a]!.text.startsWith("⟦") && !(lex && (wordFlags(tokens[a]!.text, lex) & LEAD || dottedTitle(tokens, a, lex) || allCommon(tokens, a, last, KINDS[k]!, lex) || allGroup(tokens, a, last, lex)))) {
      let kind = KINDS[k]!;
      // One word alone: the lexicons outvote the tagger when they are unambiguous ("Thomas" is a
      // person, "Norway" a place), since a single word gives the tagger little context.
      if (lex && last === a) kind = lexiconKind(tokens[a]!.text, kind, lex);
      // "Ford Motor Company", "Rio Tinto plc": a legal-form or sector word at the end makes it an organisation.
      if (last === j - 1 && j < tokens.length && lex && wordFlags(tokens[j]!.text, lex) & ORG && tokens[j]!.start <= tokens[last]!.end + 1) {
        last = j;
        j++;
      }
      if (titled) kind = "PER";
      // "Ms. Katyal", "Mevr. de Jong": after a title comes a person.
      if (kind !== "PER" && lex && last - a <= 3 && afterTitle(tokens, a, lex) && !hasOrgWord(tokens, a, last, lex) && !/\d/.test(text(tokens, a, last))) kind = "PER";
      if (joinedOf) kind = "ORG";
      else if (kind !== "ORG" && last > a && lex && wordFlags(tokens[last]!.text, lex) & ORG) kind = "ORG";
      else if (kind === "PER" && last > a && joinsTwoNames(tokens, a, last, lex)) kind = "ORG";
      else if (kind === "ORG" && last > a && isHouseNumber(tokens[last]!.text) && !hasOrgWord(tokens, a, last, lex)) kind = "LOC";
      else if (kind !== "PER" && lex && last > a && !joinsTwoNames(tokens, a, last, lex) && looksLikeFullName(tokens, a, last, lex)) kind = "PER";
      else if (kind === "LOC" && lex && last > a && namesOnly(tokens, a, last, lex)) kind = "PER";
      else if (kind === "ORG" && lex && last === a + 1 && townThenFamily(tokens, a, lex)) kind = "PER";

      let zip: Candidate | undefined;
      if (kind === "LOC" && lex) {
        // "Kentucky 08500" outside a street address: the place and its postcode are two places.
        let k = last;
        while (k > a && (isDigits(tokens[k]!.text) || (tokens[k]!.text === "-" && k < last))) k--;
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
      const c: Candidate = { type: TYPE_OF[kind]!, start: tokens[a]!.start, end, score: 0.85, recognizer: "tagger" };
      if (kind === "LOC") {
        for (let x = a; x <= last; x++) {
          const code = tokens[x]!.text.charCodeAt(0);
          if (code >= 48 && code <= 57) c.street = true;
        }
      }
      out.push(c);
      if (zip) out.push(zip);
    }
    i = j;
  }
  return lex && out.length >= 2 ? firmLists(tokens, out, lex) : out;
}

const LIST_AND = new Set(["and", "&", "og", "och", "y", "e", "und", "et", "en", "i", "és", "ve"]);

// "Bruen, Jerde and Tromp", "Martinsen, Stensrud og Glosli": three family names (none a given
// name) in a list joined by "and" name a firm, as law and accounting firms are named, not three
// people. The spans they were found as give way to one organisation.
// A family name that is no given name (a top-level function: a closure here was made on every call).
function familyOnly(t: Token, lex: Lexicons): boolean {
  return isCapWord(t.text) && lex.lastNames.has(t.text) && !lex.firstNames.has(t.text);
}

function firmLists(tokens: Token[], out: Candidate[], lex: Lexicons): Candidate[] {
  let result = out;
  for (let i = 0; i + 4 < tokens.length; i++) {
    // The punctuation first: most texts have no "X, Y and Z" at all (the lexicon lookups cost more).
    if (tokens[i + 1]!.text !== "," || !LIST_AND.has(tokens[i + 3]!.text) || !familyOnly(tokens[i]!, lex) || !familyOnly(tokens[i + 2]!, lex) || !familyOnly(tokens[i + 4]!, lex)) continue;
    let start = tokens[i]!.start;
    let end = tokens[i + 4]!.end;
    // Only where the tagger saw an entity in it; names it found reaching past the list are part of
    // the firm ("Fossum Larsen, Sørensen og Jakobsen").
    const over = result.filter((c) => c.start < end && start < c.end);
    if (!over.length || over.some((c) => c.type === "LOCATION")) continue;
    for (const c of over) {
      start = Math.min(start, c.start);
      end = Math.max(end, c.end);
    }
    result = result.filter((c) => !over.includes(c));
    result.push({ type: "ORGANIZATION", start, end, score: 0.85, recognizer: "tagger" });
    result.sort((x, y) => x.start - y.start);
    i += 4;
  }
  return result;
}

// "Barton & Davis", "Roy - Rippin": two family names joined by "&" or a spaced dash name a firm, not
// a person ("John & Mary", two given names, are two people).
function joinsTwoNames(tokens: Token[], a: number, last: number, lex?: Lexicons): boolean {
  if (last !== a + 2) return false;
  const t = tokens[a + 1]!;
  if (!(t.text === "&" || (t.text === "-" && t.start > tokens[a]!.end && tokens[last]!.start > t.end))) return false;
  return !lex || (wordFlags(tokens[a]!.text, lex) & (FIRST | FAMILY)) !== FIRST;
}

// "Grzegorczyk 38", "Øvre Brulia 93b": a name ending in a house number is a street, not a firm.
function isHouseNumber(t: string): boolean {
  return /^\d{1,5}[a-z]?$/.test(t);
}

// Where the person starts after the job-title or nationality words that open span a..last, or a
// when there are none (or what follows does not look like a name of up to four words).
// A span the tagger called an organisation must leave a full name ("Given Family").
function titleEnd(tokens: Token[], a: number, last: number, lex: Lexicons, wasOrg: boolean): number {
  for (let x = a; x <= last; x++) if ((wordFlags(tokens[x]!.text, lex) & (ORG | JOB)) === ORG || /\d/.test(tokens[x]!.text)) return a;
  let b = a;
  let job = false;
  while (b < last && isCapWord(tokens[b]!.text)) {
    const f = wordFlags(tokens[b]!.text, lex);
    if (f & (JOB | GROUP)) job = true;
    else if (!(f & (ENGLISH | COMMON)) || f & PERSON_LEX) break;
    b++;
  }
  if (!job || b === a || last - b > 3 || !isCapWord(tokens[b]!.text)) return a;
  const f = wordFlags(tokens[b]!.text, lex);
  if (!(f & (FIRST | FAMILY)) && f & (ENGLISH | COMMON)) return a;
  if (wasOrg && !(last > b && looksLikeFullName(tokens, b, last, lex))) return a;
  return b;
}

function afterTitle(tokens: Token[], a: number, lex: Lexicons): boolean {
  let p = a - 1;
  if (p >= 0 && tokens[p]!.text === ".") p--;
  if (p < 0) return false;
  const w = tokens[p]!.text;
  // Capitalised: the title itself, not a lower-case word such as "ms".
  return w[0] !== w[0]!.toLowerCase() && (LEAD_TITLES.has(w.toLowerCase()) || dottedTitle(tokens, p, lex));
}

// Any locale's title followed by its dot ("Mevr.", "Dott.", "MUDr."): alone, some are words ("Bay").
function dottedTitle(tokens: Token[], p: number, lex: Lexicons): boolean {
  return tokens[p + 1]?.text === "." && tokens[p + 1]!.start === tokens[p]!.end && lex.titles.has(tokens[p]!.text.toLowerCase());
}

function text(tokens: Token[], a: number, last: number): string {
  let s = "";
  for (let x = a; x <= last; x++) s += tokens[x]!.text;
  return s;
}

function hasOrgWord(tokens: Token[], a: number, last: number, lex?: Lexicons): boolean {
  if (!lex) return false;
  for (let x = a; x <= last; x++) if (wordFlags(tokens[x]!.text, lex) & ORG) return true;
  return false;
}

// Last words that only organisations end in (legal forms and sector words).
const ORG_END = new Set(["inc", "llc", "ltd", "corp", "corporation", "company", "co", "gmbh", "ag", "plc", "group", "holdings", "partners", "associates", "bank", "bancorp", "technologies", "systems", "solutions", "industries", "limited", "llp", "enterprises", "services", "consulting", "pharmaceuticals", "airlines", "insurance", "foundation", "institute", "university", "authority", "agency", "trust", "bv", "nv", "spa", "srl", "gruppen", "gruppe", "cty",
  // Institutions: schools, clinics, clubs, societies.
  "hospital", "clinic", "practice", "school", "academy", "college", "museum", "library", "club", "fc", "society", "association", "council", "church", "pharmacy", "orchestra", "studios", "ministry", "department",
  // Sectors: "Marvin Foods", "Federal Gas", "Reynold Health".
  "foods", "motors", "airways", "pharma", "brands", "networks", "realty", "resources", "communications", "entertainment", "brewing", "brewery", "hotels", "logistics", "electronics", "textiles", "mining", "software", "telecom", "biotech", "trading", "financial", "energy", "media", "capital", "health", "mills", "chemicals", "steel", "oil", "gas", "electric", "petroleum", "semiconductor", "shipping", "retail", "power", "water", "paper", "data", "rail", "cable", "chemical", "cement", "tobacco"]);
const LEAD_STOP = new Set(["hello", "hi", "hey", "dear", "thanks", "thank", "cheers", "regards", "sincerely", "yesterday", "today", "tomorrow", "tonight", "contact", "name", "email", "phone", "tel", "address", "city", "from", "to", "subject", "customer", "employee", "patient", "applicant", "client", "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam", "mx", "rev", "welcome", "congratulations", "attn", "cc"]);
const LEAD_TITLES = new Set(["mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam", "mx", "rev", "frau", "herr", "pani", "пані", "κυρία", "κύριος"]);
// "Fast Delivery", "Login Page": title-cased ordinary words that no name or place lexicon knows are
// not a person or a place (organisations are often made of ordinary words, so they stay).
// What the span rules ask about a word, computed once per distinct word (the hot path).
// Nationalities, religions and political groups (presidio's NRP): groups, not a person or a place.
const NRP = new Set(("american british english scottish welsh irish canadian mexican brazilian argentinian argentine chilean colombian peruvian venezuelan cuban " +
  "french german italian spanish portuguese dutch belgian swiss austrian swedish norwegian danish finnish icelandic polish czech slovak hungarian romanian bulgarian " +
  "greek turkish russian ukrainian belarusian serbian croatian bosnian slovenian albanian lithuanian latvian estonian georgian armenian azerbaijani " +
  "chinese japanese korean vietnamese thai filipino indonesian malaysian singaporean indian pakistani bangladeshi afghan iranian persian iraqi syrian lebanese " +
  "israeli jordanian saudi emirati egyptian moroccan algerian tunisian libyan nigerian ghanaian kenyan ethiopian eritrean somali sudanese ugandan tanzanian " +
  "rwandan congolese angolan zimbabwean zambian african european asian arab arabic hispanic latino latina australian zealander kiwi " +
  "christian catholic protestant orthodox anglican baptist methodist lutheran evangelical mormon muslim islamic sunni shia jewish jew hindu buddhist sikh jain " +
  "atheist agnostic democrat democrats republican republicans liberal conservative socialist communist libertarian labour tory").split(" "));
// ORG: a legal-form or sector word ("CO" and "IN" are states, not companies).
const LEAD = 1, ORG = 2, COMMON = 4, FIRST = 8, FAMILY = 16, PLACE = 32, NOT_NAME = 64, PERSON_LEX = 128, GROUP = 256, ENGLISH = 512, JOB = 1024;
const flagCache = new Map<string, number>();

function wordFlags(t: string, lex: Lexicons): number {
  let f = flagCache.get(t);
  if (f !== undefined) return f;
  const lower = t.toLowerCase();
  const letter = isLetterStart(t);
  f = (LEAD_STOP.has(lower) || LEAD_TITLES.has(lower) ? LEAD : 0) |
    (letter && ORG_END.has(lower) && !lex.stateAbbr.has(t) ? ORG : 0) |
    (lex.commonWords.has(lower) ? COMMON : 0) |
    (lex.firstNames.has(t) ? FIRST : 0) |
    (lex.lastNames.has(t) || lex.anyNames.has(t) ? FAMILY : 0) |
    (lex.cities.has(t) || lex.countries.has(t) || lex.states.has(t) ? PLACE : 0) |
    (lex.streetSuffixes.has(lower) || lex.countries.has(t) || lex.states.has(t) || lex.commonWords.has(lower) ? NOT_NAME : 0) |
    (lex.firstNames.has(t) || lex.lastNames.has(t) ? PERSON_LEX : 0) |
    (NRP.has(lower) ? GROUP : 0) |
    (lex.englishWords.has(lower) ? ENGLISH : 0) |
    (lex.jobWords.has(lower) ? JOB : 0);
  if (flagCache.size > 50_000) flagCache.clear();
  flagCache.set(t, f);
  return f;
}

// "Fast Delivery", "Login Page": title-cased ordinary words that no name or place lexicon knows are
// not a person or a place (organisations are often made of ordinary words, so they stay).
// An organisation needs more: "Recycled Gold Chair" (a product) is ordinary words and no firm word.
function allCommon(tokens: Token[], a: number, last: number, kind: string, lex: Lexicons): boolean {
  if (last === a) return false;
  if (kind === "ORG" && last + 1 < tokens.length && wordFlags(tokens[last + 1]!.text, lex) & ORG) return false;
  const blocker = kind === "PER" ? PERSON_LEX : kind === "LOC" ? PLACE : PERSON_LEX | PLACE | ORG;
  for (let x = a; x <= last; x++) {
    const t = tokens[x]!.text;
    if (!isLetterStart(t)) continue;
    const f = wordFlags(t, lex);
    if (f & blocker) return false;
    // Beyond the speeches' words, an English word that is also a name ("Brown") or a short
    // capitalised code ("OH") is not plainly ordinary.
    if (!(f & COMMON) && (!(f & ENGLISH) || f & PERSON_LEX || (t.length <= 3 && t === t.toUpperCase()))) return false;
  }
  return true;
}

// "French", "Orthodox Jew": every word names a group of people.
function allGroup(tokens: Token[], a: number, last: number, lex: Lexicons): boolean {
  for (let x = a; x <= last; x++) if (!(wordFlags(tokens[x]!.text, lex) & GROUP)) return false;
  return true;
}

// "Given Family" (an initial between allowed), both in the name lexicons, no street or place word.
function looksLikeFullName(tokens: Token[], a: number, last: number, lex: Lexicons): boolean {
  if (last - a > 4) return false;
  const first = tokens[a]!.text;
  if (!(wordFlags(first, lex) & FIRST) || !(wordFlags(tokens[last]!.text, lex) & FAMILY)) return false;
  for (let x = a; x <= last; x++) if (wordFlags(tokens[x]!.text, lex) & NOT_NAME) return false;
  const places = lex.multiPlaces.get(first);
  if (!places) return true;
  // A known multi-word place ("Santa Clara") is not a name.
  for (const c of places) {
    let k = 0;
    let x = a;
    for (; x <= last && k < c.length; x++) {
      if (tokens[x]!.text === ".") continue;
      if (tokens[x]!.text !== c[k]) break;
      k++;
    }
    if (k === c.length && x > last) return false;
  }
  return true;
}

// "Seldin Keanaaina": two or three words, each a name in humannames and none a place, an English
// word, a town-name prefix ("Ost", "Lake") or a street word, is a person even when the tagger
// called it a place.
function namesOnly(tokens: Token[], a: number, last: number, lex: Lexicons): boolean {
  if (last - a > 2) return false;
  for (let x = a; x <= last; x++) {
    const t = tokens[x]!.text;
    if (!isCapWord(t) || !lex.anyNames.has(t)) return false;
    if (wordFlags(t, lex) & (PLACE | ENGLISH | COMMON | NOT_NAME) || lex.multiPlaces.has(t) || lex.placePrefixes.has(t) || streetMarker(t, lex)) return false;
  }
  return true;
}

// "Zebulon Quackenbush called": two words, the second a family name and no place, ordinary word
// or firm word, the first no firm or ordinary word either (a town's name is also a given name), is
// a person even when the tagger called it a firm (it learnt "Leeds Eye Clinic").
const TITLE_CASE = /^\p{Lu}\p{Ll}+$/u;

function townThenFamily(tokens: Token[], a: number, lex: Lexicons): boolean {
  const first = tokens[a]!.text;
  const family = tokens[a + 1]!.text;
  // Title case only: an acronym first is a legal form ("MMC Əhmədov", "ПрАТ Цимбалістий").
  if (!TITLE_CASE.test(first) || !isCapWord(family) || lex.placePrefixes.has(first) || streetMarker(family, lex)) return false;
  const ff = wordFlags(family, lex);
  return (ff & FAMILY) !== 0 && (ff & (PLACE | ENGLISH | COMMON | NOT_NAME | ORG | JOB)) === 0 && (wordFlags(first, lex) & (ORG | ENGLISH | COMMON | JOB)) === 0;
}

function isDigits(t: string): boolean {
  if (t.length < 3 || t.length > 6) return false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
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

// Only commas, spaces and line breaks between two parts of one postal address.
function separatorsOnly(text: string, from: number, to: number): boolean {
  if (to < from || to - from > 6) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 44 && c !== 32 && c !== 10 && c !== 13 && c !== 9) return false;
  }
  return true;
}

// A postcode right after an address ("..., MA\n 86724", "... Ghana 90749").
const TRAILING_POSTCODE = /[ \t]*,?[ \t\n]*(?:\d{5}(?:-\d{4})?|\d{4}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})(?![\p{L}\p{N}])/uy;

/**
 * With `join` (config joinAddressParts), one postal address is one place: a street-like place
 * absorbs the places that follow it with only separators between (a street address and the city,
 * state, country and postcode written right after it). `cands` are sorted by start; places that
 * stand alone ("Paris, France") stay apart. Without it, only a state code left out after a town is
 * added.
 */
export function joinAddressParts(text: string, cands: Candidate[], lex?: Lexicons, join = true): Candidate[] {
  if (!cands.some((c) => c.type === "LOCATION")) return cands;
  const out: Candidate[] = [];
  for (const c of cands) {
    if (lex && c.type === "LOCATION") stateAfterTown(text, c, cands, lex);
    if (!join) {
      out.push(c);
      continue;
    }
    const last = out[out.length - 1];
    if (last && last.street && last.type === "LOCATION" && c.type === "LOCATION" && separatorsOnly(text, last.end, c.start)) {
      last.end = Math.max(last.end, c.end);
      continue;
    }
    if (last?.street && last.type === "LOCATION") extendPostcode(text, last);
    out.push(c);
  }
  const last = out[out.length - 1];
  if (join && last?.street && last.type === "LOCATION") extendPostcode(text, last);
  return out;
}

// Sticky expressions, matched at an offset without copying the text.
const STATE_AFTER = /, ([A-Z]{2})(?![\p{L}\p{N}])/uy;

// "Thelmaborough, HI": a state code right after a town is a place too, when the tagger left it out.
function stateAfterTown(text: string, c: Candidate, cands: Candidate[], lex: Lexicons): void {
  if (text.charCodeAt(c.end) !== 44) return;
  STATE_AFTER.lastIndex = c.end;
  const m = STATE_AFTER.exec(text);
  if (!m || !lex.stateAbbr.has(m[1]!)) return;
  const start = c.end + 2;
  if (cands.some((x) => x.start < start + 2 && start < x.end)) return;
  const at = cands.indexOf(c);
  cands.splice(at + 1, 0, { type: "LOCATION", start, end: start + 2, score: 0.85, recognizer: "tagger" });
}

function extendPostcode(text: string, c: Candidate): void {
  TRAILING_POSTCODE.lastIndex = c.end;
  const m = TRAILING_POSTCODE.exec(text);
  if (m) c.end += m[0].length;
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
  if (kind === "ORG" && place && !name) return "LOC";
  // A known given or family name that is no town anywhere is a person, whatever the context said.
  if (kind === "LOC" && name && !place && !lex.cities.has(word) && !lex.commonWords.has(word.toLowerCase())) return "PER";
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
