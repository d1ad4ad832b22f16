// Generator of synthetic labelled sentences (our own templates filled by @faker-js/faker) used to
// train the tagger and to self-test the recognizers. Deterministic for a given seed.
import { allLocales, base, Faker, type LocaleDefinition } from "@faker-js/faker";
import { formValue } from "./synth-forms.ts";
import { NEGATIVES, OPENERS, PROSE_SLOT, TEMPLATES } from "./templates.ts";
import { FORM_NEGATIVES, FORM_TEMPLATES } from "./templates-forms.ts";

export { NEGATIVES, OPENERS, TEMPLATES };

export interface SynthSpan {
  type: string;
  start: number;
  end: number;
  /** A part of a postal address (its street line, or a place line after it). */
  address?: boolean;
}
export interface SynthExample {
  text: string;
  spans: SynthSpan[];
}

// Locales with cased scripts (Latin, Cyrillic, Greek): the tagger leans on capitals, so scripts
// without case (Georgian, Arabic, CJK, ...) are left to the lexicons and patterns for now.
export const LOCALES = ["en_US", "en_GB", "en_US", "en", "en_GB", "en_AU", "en_CA", "en_IN", "de", "fr", "es", "it", "nl", "pt_BR", "sv", "fi", "nb_NO", "da", "pl", "cs_CZ", "hu", "ro", "tr", "ru", "uk", "el", "vi", "id_ID", "es_MX", "af_ZA", "en_NG", "hr", "sk", "lv", "az", "fr_CH", "de_CH", "pt_PT", "yo_NG", "zu_ZA", "en_IE", "de_AT", "fr_BE", "en_ZA", "lt"];

function pick<T>(f: Faker, xs: readonly T[]): T {
  return xs[f.number.int({ min: 0, max: xs.length - 1 })]!;
}

/** A faker for one locale (falling back to English), seeded. */
export function fakerFor(name: string, seed: number): Faker {
  const primary = (allLocales as Record<string, LocaleDefinition>)[name]!;
  const f = new Faker({ locale: [primary, allLocales.en, base] });
  f.seed(seed);
  return f;
}

function person(f: Faker): string {
  const first = f.person.firstName();
  const last = f.person.lastName();
  switch (f.number.int({ min: 0, max: 9 })) {
    case 0: return `${first} ${f.string.alpha({ length: 1, casing: "upper" })}. ${last}`;
    case 1: return `${first} ${f.person.middleName()} ${last}`;
    case 2: return `${first} ${f.string.alpha({ length: 1, casing: "upper" })} ${last}`;
    case 3: return `${f.person.firstName()} ${f.person.lastName()}-${f.person.lastName()}`;
    default: return `${first} ${last}`;
  }
}

// A made-up brand ("Persolex", "Vantiq"): syllables no lexicon knows, so only context and shape
// can tell the tagger it is an organisation.
function brand(f: Faker): string {
  const syl = ["per", "sint", "van", "tiq", "lo", "rex", "zen", "tra", "mo", "vi", "ka", "sol", "nex", "qua", "dra", "fi", "lux", "ter", "ion", "bo"];
  const n = f.number.int({ min: 2, max: 3 });
  const w = Array.from({ length: n }, () => pick(f, syl)).join("");
  return w[0]!.toUpperCase() + w.slice(1);
}

function org(f: Faker): string {
  switch (f.number.int({ min: 0, max: 8 })) {
    case 7: return brand(f);
    case 8: return `${brand(f)} ${pick(f, ["Inc.", "Ltd", "Group", "Labs", "Systems", "Bank", "Media", "Foods", "Energy", "Capital"])}`;
    case 0: return `${f.person.lastName()} ${pick(f, ["Inc.", "LLC", "Ltd", "GmbH", "Group", "& Sons", "Partners", "Corp."])}`;
    case 1: return `${pick(f, ["Bank of", "University of", "Hospital of"])} ${f.location.city()}`;
    case 2: return `${f.word.adjective()[0]!.toUpperCase()}${f.word.adjective().slice(1)}${pick(f, ["soft", "tech", "ify", "ly", "corp", "works", "net"])}`;
    default: return f.company.name();
  }
}

function date(f: Faker): string {
  const d = f.date.between({ from: "1950-01-01", to: "2030-12-31" });
  const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  const m = months[d.getUTCMonth()]!;
  const dd = d.getUTCDate();
  const y = d.getUTCFullYear();
  return pick(f, [`${m} ${dd}, ${y}`, `${dd} ${m} ${y}`, `${y}-${String(d.getUTCMonth() + 1).padStart(2, "0")}-${String(dd).padStart(2, "0")}`, `${d.getUTCMonth() + 1}/${dd}/${y}`, `${m} ${y}`, `${dd}.${d.getUTCMonth() + 1}.${y}`]);
}

function ssn(f: Faker): string {
  const a = f.number.int({ min: 1, max: 899 });
  const area = a === 666 ? 667 : a;
  return `${String(area).padStart(3, "0")}-${String(f.number.int({ min: 1, max: 99 })).padStart(2, "0")}-${String(f.number.int({ min: 1, max: 9999 })).padStart(4, "0")}`;
}

function fillRaw(f: Faker, slot: string): { value: string; type?: string } {
  switch (slot) {
    case "P": return { value: person(f), type: "PERSON" };
    case "F": return { value: f.person.firstName(), type: "PERSON" };
    case "L": return { value: f.person.lastName(), type: "PERSON" };
    case "C": return { value: f.location.city(), type: "LOCATION" };
    case "CO": return { value: f.location.country(), type: "LOCATION" };
    case "ST": return { value: f.location.state(), type: "LOCATION" };
    case "A": return { value: f.location.streetAddress(f.datatype.boolean()), type: "ADDRESS" };
    case "AF": {
      const sep = pick(f, [", ", "\n"]);
      const parts = [f.location.streetAddress(f.datatype.boolean()), `${f.location.city()}${pick(f, [", ", " "])}${f.location.state({ abbreviated: f.datatype.boolean() })} ${f.location.zipCode()}`];
      if (f.datatype.boolean()) parts.push(f.location.country());
      return { value: parts.join(sep), type: "ADDRESS" };
    }
    case "O": return { value: org(f), type: "ORGANIZATION" };
    case "E": return { value: f.internet.email(), type: "EMAIL_ADDRESS" };
    case "PH": return { value: f.phone.number(), type: "PHONE_NUMBER" };
    case "D": return { value: date(f), type: "DATE_TIME" };
    case "N": return { value: String(f.number.int({ min: 2, max: 90 })) };
    case "J": return { value: f.person.jobTitle() };
    case "U": return { value: f.internet.url(), type: "URL" };
    case "CC": return { value: f.finance.creditCardNumber(), type: "CREDIT_CARD" };
    case "IB": return { value: f.finance.iban({ formatted: f.datatype.boolean() }), type: "IBAN_CODE" };
    case "SSN": return { value: ssn(f), type: "US_SSN" };
    case "IP": return { value: f.datatype.boolean() ? f.internet.ipv4() : f.internet.ipv6(), type: "IP_ADDRESS" };
    // Weekdays and clock times are dates too (DATE_TIME), as the record-like values label them.
    case "WD": return { value: pick(f, WEEKDAYS), type: "DATE_TIME" };
    case "WDS": return { value: `${pick(f, WEEKDAYS)}s`, type: "DATE_TIME" };
    case "NWD": return { value: `next ${pick(f, WEEKDAYS)}`, type: "DATE_TIME" };
    case "TM": return { value: f.datatype.boolean() ? `${f.number.int({ min: 1, max: 12 })} ${pick(f, ["am", "pm"])}` : `${f.number.int({ min: 7, max: 18 })}:${pick(f, ["00", "15", "30", "45"])}`, type: "DATE_TIME" };
    default: {
      const v = formValue(f, slot);
      if (!v) return { value: slot };
      return { value: v.value, type: v.address ? "ADDRESS" : v.type };
    }
  }
}

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

let english: Faker | undefined;

// Some locales lack some data (states, zip codes); those slots fall back to English.
/** A slot's value and the type it is labelled with ("ADDRESS": a postal address, a LOCATION). */
export function fill(f: Faker, slot: string): { value: string; type?: string } {
  try {
    return fillRaw(f, slot);
  } catch {
    english ??= fakerFor("en_US", 99);
    return fillRaw(english, slot);
  }
}

function render(f: Faker, template: string): SynthExample {
  let text = "";
  const spans: SynthSpan[] = [];
  let last = 0;
  let prevAddress = false;
  for (const m of template.matchAll(/\{([A-Z]+)\}/g)) {
    const between = template.slice(last, m.index);
    text += between;
    const { value, type } = fill(f, m[1]!);
    const prev = spans[spans.length - 1];
    // A street address and the city/state/country right after it form one postal address.
    if (prevAddress && type === "LOCATION" && prev && /^[,\s]*$/.test(between)) prev.end = text.length + value.length;
    else if (type) spans.push({ type: type === "ADDRESS" ? "LOCATION" : type, start: text.length, end: text.length + value.length, ...(type === "ADDRESS" ? { address: true } : {}) });
    prevAddress = type === "ADDRESS" || (prevAddress && type === "LOCATION" && /^[,\s]*$/.test(between));
    text += value;
    last = m.index + m[0].length;
  }
  text += template.slice(last);
  return { text, spans: spans.flatMap((s) => (s.address ? addressParts(text, s) : [s])) };
}

/**
 * The parts of a postal address, each its own place: the street line, then each comma- or
 * line-separated place after it ("Springfield, IL 62704" is two). That is the labelling of
 * presidio-research's schema, which has separate STREET_ADDRESS, GPE and ZIP_CODE types, and
 * the analyzer's default (joinAddressParts: false).
 */
export function addressParts(text: string, s: SynthSpan): SynthSpan[] {
  const out: SynthSpan[] = [];
  for (const m of text.slice(s.start, s.end).matchAll(/[^,\n]+/g)) {
    const lead = m[0].length - m[0].trimStart().length;
    const value = m[0].trim();
    if (value) out.push({ type: s.type, start: s.start + m.index + lead, end: s.start + m.index + lead + value.length, address: true });
  }
  return out;
}

/**
 * `count` examples; about one in six has no entity at all. `part` keeps only even- or odd-numbered
 * templates, so a model trained on one half can be checked on sentences shaped unlike its own.
 */
export function generateExamples(count: number, seed = 1, prose: string[] = [], part?: "even" | "odd"): SynthExample[] {
  const fakers = LOCALES.filter((l) => l in allLocales).map((l, i) => fakerFor(l, seed * 1000 + i));
  // The fallback for locales without some data is seeded per call too: the same seed, the same examples.
  english = fakerFor("en_US", seed * 1000 + 998);
  const keep = <T>(xs: T[]) => (part ? xs.filter((_, i) => i % 2 === (part === "even" ? 0 : 1)) : xs);
  const templates = keep(TEMPLATES);
  const negatives = keep(NEGATIVES);
  const openers = keep(OPENERS);
  const texts = keep(prose);
  const forms = keep(FORM_TEMPLATES);
  const formNegatives = keep(FORM_NEGATIVES);
  const us = fakerFor("en_US", seed * 1000 + 999);
  const out: SynthExample[] = [];
  for (let i = 0; i < count; i++) {
    // Half the examples come from the record-like templates, mostly with American values.
    if (i % 2 === 1) {
      const f = us.number.int({ min: 0, max: 2 }) ? us : fakers[i % fakers.length]!;
      const negative = f.number.int({ min: 0, max: 9 }) === 0;
      const ex = render(f, negative ? pick(f, formNegatives) : pick(f, forms));
      // Some sentences are lower-cased whole, as real chat text often is.
      const lower = ex.text.toLowerCase();
      if (f.number.int({ min: 0, max: 19 }) === 0 && lower.length === ex.text.length) ex.text = lower;
      out.push(ex);
      continue;
    }
    const f = fakers[i % fakers.length]!;
    const negative = f.number.int({ min: 0, max: 5 }) === 0;
    const form = negative || texts.length === 0 ? 0 : f.number.int({ min: 0, max: 7 });
    let template = negative ? pick(f, negatives) : pick(f, templates);
    if (form === 1 || form === 2) {
      const body = pick(f, texts).replace(/[{}]/g, "");
      template = `${pick(f, openers)} ${body[0]!.toLowerCase()}${body.slice(1)}`;
    } else if (form === 3) {
      // An entity inside prose: "... work together with the ..." → "... work together with {P} ...".
      const body = pick(f, texts).replace(/[{}]/g, "");
      const spots = [...body.matchAll(/ (with|for|by|to|from|in|at|of) the /g)];
      if (spots.length) {
        const m = pick(f, spots);
        const slot = PROSE_SLOT[m[1]!]!;
        template = `${body.slice(0, m.index)} ${m[1]} ${pick(f, slot)} ${body.slice(m.index + m[0].length)}`;
      }
    }
    const ex = render(f, template);
    // Some examples get unrelated text around them so that entities are not always at the edges.
    const around = f.number.int({ min: 0, max: 5 });
    if (around === 1 || (around >= 3 && texts.length)) {
      const pre = `${around >= 3 && texts.length ? pick(f, texts) : f.hacker.phrase()} `;
      ex.text = pre + ex.text;
      for (const sp of ex.spans) {
        sp.start += pre.length;
        sp.end += pre.length;
      }
    } else if (around === 2) ex.text += ` ${f.company.catchPhrase()}.`;
    out.push(ex);
  }
  return out;
}
