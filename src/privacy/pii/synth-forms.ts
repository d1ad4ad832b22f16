// Value shapes for generated training sentences, after the publicly documented generation process of
// presidio-research (Faker values; a postal address is one span; 5% of sentences lower-cased), so
// the tagger sees the forms such text takes. Sentences come from our own templates (templates-forms.ts).
import { createRequire } from "node:module";
import type { Faker } from "@faker-js/faker";

export function pick<T>(f: Faker, xs: readonly T[]): T {
  return xs[f.number.int({ min: 0, max: xs.length - 1 })]!;
}

const digits = (f: Faker, n: number) => f.string.numeric({ length: n, allowLeadingZeros: true });

let pool: string[] | undefined;

/**
 * A name from humannames (about 200k given and family names of many origins), so that the tagger
 * also meets names that no faker locale lists and learns them from context and shape.
 */
export function poolName(f: Faker): string {
  pool ??= Object.keys(createRequire(import.meta.url)("humannames") as Record<string, number>).filter((w) => /^[A-Z][a-z]{2,11}$/.test(w));
  return pick(f, pool);
}

function fullName(f: Faker): string {
  const wide = f.number.int({ min: 0, max: 3 }) === 0;
  const first = wide ? poolName(f) : f.person.firstName();
  const last = wide ? poolName(f) : f.person.lastName();
  const r = f.number.int({ min: 0, max: 9 });
  const initial = f.string.alpha({ length: 1, casing: "upper" });
  if (r === 0) return `${first} ${initial}. ${last}`;
  if (r === 1) return `${first} ${initial} ${last}`;
  return `${first} ${last}`;
}

function street(f: Faker): string {
  return f.datatype.boolean() ? f.location.street() : `${f.person.lastName()} ${f.location.street().split(" ").pop()}`;
}

// Postal address shapes: with or without commas and line breaks, with unit, city, state or country
// and postcode, or a street corner ("the corner of X and Y").
function address(f: Faker): string {
  const bn = f.location.buildingNumber();
  const st = street(f);
  const sec = f.location.secondaryAddress();
  const city = f.location.city();
  const sa = f.location.state({ abbreviated: true });
  const state = f.location.state();
  const co = f.location.country();
  const zip = f.datatype.boolean() ? digits(f, 5) : f.location.zipCode();
  const line = `${bn} ${st}`;
  switch (f.number.int({ min: 0, max: 14 })) {
    case 0: return `${line} ${sec} ${city} ${state}`;
    case 1: return `${line} ${sec} ${city} ${sa}`;
    case 2: return `${line} ${sec} ${city} ${co}`;
    case 3: return `${line}\n ${sec}\n ${city}\n ${co}`;
    case 4: return `${line}\n ${sec}\n ${city}\n ${co} ${zip}`;
    case 5: return `the corner of ${st} and ${street(f)}`;
    case 6: return `${line}, ${city}, ${co}`;
    case 7: return `${line} ${sec}, ${city}, ${co} ${zip}`;
    case 8: case 9: return `${line}\n${city}, ${sa} ${zip}`;
    case 10: return `${line}\n${city}\n, ${sa}\n ${zip}`;
    case 11: return `${line}\n${city}\n, ${sa}\n ${co} ${zip}`;
    case 12: return `${line} ${sec}\n${city}, ${sa} ${zip}`;
    case 13: return `${line}, ${city}, ${sa} ${zip}`;
    default: return `${line} ${sec}, ${city}, ${state} ${zip}`;
  }
}

const PHONE_FORMATS = [
  "##########", "###-###-####", "###-#######", "07700 ### ###", "07700 ######", "(07700) ### ###", "+447700 ### ###",
  "+447700######", "+91##########", "0##########", "+41 7# ### ## ##", "+41 (0)4# ### ## ##", "+46 (0)8 ### ### ##",
  "(###)###-####", "(###) ###-####", "###.###.####", "###-###-####x###", "(###)###-####x####", "###.###.####x###",
  "+1-###-###-####", "001-###-###-####", "+1-###-###-####x###", "+49 ### #######", "+33 # ## ## ## ##",
];

function phone(f: Faker): string {
  if (f.number.int({ min: 0, max: 3 }) === 0) return f.phone.number();
  // A leading digit of 2-9 keeps North American area codes plausible.
  return pick(f, PHONE_FORMATS).replace(/#/, String(f.number.int({ min: 2, max: 9 }))).replace(/#/g, () => String(f.number.int({ min: 0, max: 9 })));
}

function age(f: Faker): string {
  const r = f.number.int({ min: 0, max: 49 });
  if (r < 40) return String(f.number.int({ min: 10, max: 99 }));
  if (r < 45) return String(f.number.int({ min: 1, max: 9 }));
  if (r < 47) return `${f.number.int({ min: 0, max: 2 })}.${f.number.int({ min: 1, max: 9 })}`;
  return String(f.number.int({ min: 100, max: 104 }));
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const p2 = (n: number) => String(n).padStart(2, "0");

function date(f: Faker): string {
  const d = f.date.between({ from: "1940-01-01", to: "2030-12-31" });
  const y = d.getUTCFullYear(), m = d.getUTCMonth() + 1, dd = d.getUTCDate();
  const mn = MONTHS[m - 1]!;
  switch (f.number.int({ min: 0, max: 11 })) {
    case 0: return `${y}-${p2(m)}-${p2(dd)} ${p2(f.number.int({ min: 0, max: 23 }))}:${p2(f.number.int({ min: 0, max: 59 }))}:${p2(f.number.int({ min: 0, max: 59 }))}`;
    case 1: return `${y}-${p2(m)}-${p2(dd)}`;
    case 2: return `${m}/${dd}/${y}`;
    case 3: return `${mn} ${dd}, ${y}`;
    case 4: return `${dd} ${mn} ${y}`;
    case 5: return `${mn} ${y}`;
    case 6: return pick(f, DAYS);
    case 7: return String(y);
    case 8: return `${p2(m)}/${p2(dd)}/${String(y).slice(2)}`;
    case 9: return `${mn.slice(0, 3)} ${dd}, ${y}`;
    case 10: return `${mn} ${dd}`;
    default: return `${dd}.${p2(m)}.${y}`;
  }
}

const ORG_TAILS = ["Inc.", "Inc", "LLC", "Ltd", "Ltd.", "Limited", "Corp.", "Corporation", "Company", "Co.", "Group", "Holdings", "plc", "PLC", "AG", "SA", "S.A.", "N.V.", "GmbH", "& Co.", "Partners", "Bank", "Bancorp", "Financial", "Insurance", "Technologies", "Systems", "Pharmaceuticals", "Energy", "Industries", "International", "Airlines", "Motors", "Foods", "Brands", "Resources", "Trust", "Capital", "Communications", "Entertainment", "Health", "Realty", "Networks"];
const ORG_HEADS = ["Bank of", "University of", "Department of", "Ministry of", "Museum of", "Port of", "Royal Bank of", "State University of", "Government of", "National Bank of"];
const ORG_WORDS = ["First", "United", "General", "National", "American", "Global", "Pacific", "Atlantic", "Northern", "Southern", "Western", "Eastern", "Central", "Royal", "Standard", "Continental", "Allied", "Premier", "Federal", "Metro", "Union", "Golden", "Silver", "Summit", "Pioneer", "Liberty", "Heritage", "Apex", "Bright", "Blue", "Green", "Red", "Star", "Sun", "Ocean", "River", "Mountain", "Prime", "Digital", "Advanced", "Applied", "Integrated", "Consolidated", "Universal", "International"];
const ORG_NOUNS = ["Electric", "Power", "Steel", "Oil", "Gas", "Mining", "Chemical", "Paper", "Rail", "Shipping", "Telecom", "Media", "Software", "Semiconductor", "Retail", "Logistics", "Motors", "Airways", "Mills", "Foods", "Water", "Cement", "Textiles", "Electronics", "Pharma", "Biotech", "Data", "Health", "Insurance", "Realty", "Energy", "Petroleum", "Tobacco", "Brewing", "Hotels", "Cable"];

function syllableBrand(f: Faker): string {
  const syl = ["ar", "ex", "on", "ix", "ta", "ro", "vi", "ka", "ne", "lo", "mar", "tel", "gen", "cor", "dyn", "zon", "qu", "sys", "tron", "med", "ver", "al", "is", "an", "pha"];
  const w = Array.from({ length: f.number.int({ min: 2, max: 3 }) }, () => pick(f, syl)).join("");
  return w[0]!.toUpperCase() + w.slice(1);
}

// Institutions named after their town ("Leeds Eye Clinic", "Greater Oslo Transit Agency").
const INSTITUTIONS = ["Medical Center", "Savings Bank", "Public Schools", "Chamber of Commerce", "Symphony Orchestra", "Rovers", "Athletic", "Transit Agency", "Children's Hospital", "Eye Clinic", "Veterinary Practice", "Law School", "Art Museum", "Golf Club", "Cathedral", "Police Department", "Housing Association", "Rugby Club", "Zoo", "Airport Authority"];

function organization(f: Faker): string {
  switch (f.number.int({ min: 0, max: 12 })) {
    case 12: return `${f.datatype.boolean() ? "" : `${pick(f, ["Royal", "North", "South", "West", "East", "Greater", "Central"])} `}${pick(f, [f.location.city(), f.location.state()])} ${pick(f, INSTITUTIONS)}`;
    case 0: return f.company.name();
    case 1: return `${f.person.lastName()} ${pick(f, ORG_TAILS)}`;
    case 2: return `${pick(f, ORG_HEADS)} ${pick(f, [f.location.city(), f.location.state(), f.location.country()])}`;
    case 3: return `${pick(f, ORG_WORDS)} ${pick(f, ORG_NOUNS)} ${pick(f, ORG_TAILS)}`;
    case 4: return `${pick(f, ORG_WORDS)} ${pick(f, ORG_NOUNS)}`;
    case 5: return `${syllableBrand(f)} ${pick(f, ORG_TAILS)}`;
    case 6: return syllableBrand(f);
    case 7: return `${f.location.city()} ${pick(f, ORG_NOUNS)} ${pick(f, ["Company", "Corporation", "Co.", "Group", "Authority", "Board"])}`;
    case 8: return `${f.string.alpha({ length: { min: 2, max: 4 }, casing: "upper" })} ${pick(f, ORG_TAILS)}`;
    case 9: return `${f.person.lastName()} & ${f.person.lastName()}`;
    case 10: return `The ${pick(f, ORG_WORDS)} ${pick(f, ORG_NOUNS)} ${pick(f, ["Company", "Group", "Corporation"])}`;
    default: return `${f.person.lastName()} ${pick(f, ORG_NOUNS)} ${pick(f, ORG_TAILS)}`;
  }
}

function license(f: Faker): string {
  return pick(f, [
    () => `${f.string.alpha({ length: 1, casing: "upper" })}${digits(f, 7)}`,
    () => digits(f, 9),
    () => `${f.string.alpha({ length: 1, casing: "upper" })}${digits(f, 12)}`,
    () => `${f.string.alpha({ length: 2, casing: "upper" })}${digits(f, 6)}`,
    () => digits(f, 8),
  ])();
}

const NATIONALITIES = ["American", "British", "Canadian", "French", "German", "Italian", "Spanish", "Mexican", "Brazilian", "Indian", "Chinese", "Japanese", "Korean", "Russian", "Polish", "Dutch", "Swedish", "Norwegian", "Irish", "Australian", "Nigerian", "Kenyan", "Egyptian", "Turkish", "Greek"];

/** A slot's value and the span type it carries (undefined: not labelled); `address` marks a postal address. */
export function formValue(f: Faker, slot: string): { value: string; type?: string; address?: boolean } | undefined {
  switch (slot) {
    case "NAME": return { value: fullName(f), type: "PERSON" };
    case "FIRST": return { value: f.number.int({ min: 0, max: 3 }) ? f.person.firstName() : poolName(f), type: "PERSON" };
    case "LAST": return { value: f.number.int({ min: 0, max: 3 }) ? f.person.lastName() : poolName(f), type: "PERSON" };
    case "TITLE": return { value: f.person.prefix() };
    case "ADDRESS": return { value: address(f), type: "LOCATION", address: true };
    case "STREET": return { value: `${f.location.buildingNumber()} ${street(f)}`, type: "LOCATION", address: true };
    case "CITY": return { value: f.location.city(), type: "LOCATION" };
    case "STATE": return { value: f.location.state(), type: "LOCATION" };
    case "SABBR": return { value: f.location.state({ abbreviated: true }), type: "LOCATION" };
    case "COUNTRY": return { value: f.location.country(), type: "LOCATION" };
    case "ZIP": return { value: f.location.zipCode(), type: "LOCATION" };
    case "ORG": return { value: organization(f), type: "ORGANIZATION" };
    case "PHONE": return { value: phone(f), type: "PHONE_NUMBER" };
    case "EMAIL": return { value: f.internet.email(), type: "EMAIL_ADDRESS" };
    case "DOMAIN": return { value: f.datatype.boolean() ? f.internet.domainName() : f.internet.url(), type: "URL" };
    case "DATE": return { value: date(f), type: "DATE_TIME" };
    case "AGE": return { value: age(f), type: "AGE" };
    case "CARD": return { value: f.finance.creditCardNumber(), type: "CREDIT_CARD" };
    case "IBAN": return { value: f.finance.iban({ formatted: f.number.int({ min: 0, max: 3 }) === 0 }), type: "IBAN_CODE" };
    case "SSN": return { value: `${f.number.int({ min: 100, max: 665 })}-${digits(f, 2).replace("00", "12")}-${digits(f, 4).replace("0000", "1234")}`, type: "US_SSN" };
    case "IP": return { value: f.number.int({ min: 0, max: 4 }) ? f.internet.ipv4() : f.internet.ipv6(), type: "IP_ADDRESS" };
    case "DL": return { value: license(f), type: "US_DRIVER_LICENSE" };
    case "NAT": return { value: pick(f, NATIONALITIES) };
    case "JOB": return { value: f.person.jobTitle() };
    default: return undefined;
  }
}
