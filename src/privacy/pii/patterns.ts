// Pattern recognizers: a regular expression for the shape, an optional validator (checksum or
// validity rule) and context words that raise the score when they appear just before the match.
import { isIP } from "node:net";
import { phoneDigitsValid, phoneRegionalValid, phoneValid } from "./phone.ts";
import { cryptoAddressValid, ibanChecksumValid, ibanValid, luhnValid, nhsValid, shannonEntropy, ssnValid } from "./validators.ts";

/**
 * Cheap tests the text must pass before the (slower) regex runs, cheapest first: at least `digits`
 * ASCII digits, `colons` colons, `seps` colons/hyphens, a run of `run` token characters ([A-Za-z0-9+/_=-]), a substring,
 * a regex without lookbehind (V8 scans those fast). All given tests must pass.
 */
// One object for both IBAN recognizers, so that the analyzer tests it once per text.
const IBAN_GATE = /[A-Za-z]{2}\d{2}/;

export interface Gate {
  digits?: number;
  colons?: number;
  seps?: number;
  run?: number;
  includes?: string;
  /** At least this many "." characters. */
  dots?: number;
  /** An ASCII capital letter somewhere (true) or none at all (false). */
  upper?: boolean;
  re?: RegExp;
}

export interface PatternRecognizer {
  name: string;
  type: string;
  /** Must have the g flag (and u where it uses \p). */
  regex: RegExp;
  score: number;
  /** Lower-case words; one of them in the 48 characters before the match adds `contextBoost`. */
  context?: string[];
  contextBoost?: number;
  validate?: (match: string) => boolean;
  /** The finding is the first regex group that matched, not the whole match. */
  captured?: boolean;
  gate?: Gate;
  /**
   * false: no scan of the whole text for the context words before the regex runs (they are too
   * common for it to skip much: "in", "number"); each match still checks its own context.
   */
  contextGate?: boolean;
  /** Overlap tier (default: 2 with a validator, else 1); see resolveOverlaps. */
  priority?: number;
  /** Score to use when `validate` fails (default: drop the match). */
  invalidScore?: number;
  /** When `validate` fails, try the match cut at each space from the right (grouped numbers). */
  shrink?: boolean;
}

const TLD = "com|org|net|edu|gov|mil|int|info|biz|io|ai|app|dev|co|me|tv|us|uk|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|cz|pt|ru|ua|jp|cn|kr|in|au|ca|br|mx|ar|za|ie|nz|sg|hk|tw|il|tr|gr|hu|ro|bg|hr|sk|si|lt|lv|ee|is|lu|biz|online|site|store|tech|xyz|cloud|email|name|pro|mobi";


export const PATTERNS: PatternRecognizer[] = [
  {
    name: "email",
    priority: 2,
    gate: { includes: "@" },
    type: "EMAIL_ADDRESS",
    regex: /\b[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b/g,
    score: 0.95,
  },
  {
    name: "url",
    priority: 2,
    gate: { dots: 1, re: /:\/\/|www\./i },
    type: "URL",
    regex: /\b(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"'()]+[^\s<>"'().,;:!?]/gi,
    score: 0.9,
  },
  {
    name: "domain",
    priority: 2,
    gate: { dots: 1, re: new RegExp(`\\.(?:${TLD})\\b`, "i") },
    type: "URL",
    regex: new RegExp(`(?<![@\\w.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+(?:${TLD})\\b(?![@\\w-]|\\.\\w)(?:\\/[^\\s<>"']*[^\\s<>"'.,;:!?)])?`, "gi"),
    score: 0.7,
    context: ["site", "website", "domain", "visit", "url", "link", "web", "page"],
  },
  {
    name: "ipv4",
    gate: { digits: 4, dots: 3, re: /\d\.\d/ },
    type: "IP_ADDRESS",
    regex: /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\/\d{1,2})?(?![\d.]*\d)/g,
    score: 0.85,
    context: ["ip", "address", "server", "host", "from", "login"],
    validate: () => true,
  },
  {
    name: "ipv6",
    gate: { colons: 2 },
    type: "IP_ADDRESS",
    regex: /(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%\w+)?(?![\w:])/g,
    score: 0.85,
    validate: (s) => isIP(s.split("%")[0]!) === 6 && /[0-9A-Fa-f]{1,4}/.test(s) && s.length > 4,
  },
  {
    name: "mac",
    priority: 2,
    gate: { seps: 5 },
    type: "MAC_ADDRESS",
    regex: /\b(?:[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})\b/g,
    score: 0.85,
  },
  {
    name: "credit_card",
    gate: { digits: 12 },
    type: "CREDIT_CARD",
    // Issuer prefixes 1-6 (ISO/IEC 7812 major industry identifiers; 15-digit JCB uses 1800 and 2131)
    // and Maestro's 0604, 12 to 19 digits.
    // Digits run together or in groups of four (Amex: 4-6-5, Diners Club: 4-6-4), as cards are printed.
    regex: /(?<![\d-])(?:(?:0604|[1-6]\d{3})(?:\d{8,15}|( |-)\d{4}(?:\1\d{4}){1,2}(?:\1\d{1,4})?)|3[47]\d{2}( |-)\d{6}\2\d{5}|3[068]\d{2}( |-)\d{6}\3\d{4})(?![\d-]*\d)/g,
    score: 0.9,
    context: ["card", "credit", "visa", "mastercard", "amex", "payment", "cc", "debit"],
    validate: luhnValid,
  },
  {
    name: "iban",
    // Above other checksummed patterns: mod-97 over letters and digits is the strongest of them.
    priority: 2.5,
    gate: { digits: 4, re: IBAN_GATE },
    type: "IBAN_CODE",
    regex: /\b[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,4})?\b/g,
    score: 0.95,
    validate: ibanValid,
    shrink: true,
  },
  {
    name: "iban_checksum",
    priority: 2.5,
    gate: { digits: 4, re: IBAN_GATE },
    type: "IBAN_CODE",
    regex: /\b[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,4})?\b/g,
    score: 0.75,
    validate: ibanChecksumValid,
    shrink: true,
  },
  {
    name: "us_ssn",
    gate: { digits: 9 },
    type: "US_SSN",
    regex: /(?<![\d-])\d{3}([- .])\d{2}\1\d{4}(?![\d-]*\d)/g,
    score: 0.8,
    context: ["ssn", "social", "security", "ss#", "ssn#"],
    validate: ssnValid,
  },
  {
    name: "us_ssn_plain",
    gate: { digits: 9 },
    type: "US_SSN",
    regex: /(?<![\d-])\d{9}(?![\d-])/g,
    score: 0.25,
    context: ["ssn", "social", "security", "ss#", "ssn#"],
    contextBoost: 0.5,
    validate: ssnValid,
  },
  {
    name: "uk_nhs",
    gate: { digits: 10 },
    type: "UK_NHS",
    regex: /(?<![\d-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d-])/g,
    score: 0.3,
    context: ["nhs", "national health", "health service", "patient"],
    contextBoost: 0.5,
    validate: nhsValid,
  },
  {
    name: "crypto",
    gate: { run: 26, re: /[13][1-9A-HJ-NP-Za-km-z]{25}|bc1|BC1|0x[0-9a-fA-F]{40}/ },
    type: "CRYPTO",
    regex: /\b(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|bc1[02-9ac-hj-np-z]{11,71}|BC1[02-9AC-HJ-NP-Z]{11,71}|0x[0-9a-fA-F]{40})\b/g,
    score: 0.9,
    context: ["wallet", "bitcoin", "btc", "eth", "ethereum", "crypto", "address"],
    validate: cryptoAddressValid,
  },
  {
    name: "us_passport",
    gate: { digits: 8 },
    type: "US_PASSPORT",
    regex: /\b[A-Z]?\d{8,9}\b/g,
    score: 0.1,
    context: ["passport", "travel document"],
    contextBoost: 0.6,
  },
  {
    name: "us_driver_license",
    gate: { digits: 4 },
    type: "US_DRIVER_LICENSE",
    regex: /\b(?:[A-Z]{1,2}\d{4,14}|\d{7,9}|[A-Z]\d{3}-\d{4}-\d{4}|[A-Z]\d{2}-\d{2}-\d{4})\b/g,
    score: 0.1,
    context: ["driver", "driver's", "drivers", "license", "licence", "dl", "dln", "driving"],
    contextBoost: 0.6,
  },
  {
    name: "us_bank_number",
    gate: { digits: 8 },
    type: "US_BANK_NUMBER",
    regex: /\b\d{8,17}\b/g,
    score: 0.05,
    context: ["account", "acct", "bank", "checking", "savings", "routing", "iban", "deposit"],
    contextBoost: 0.7,
  },
  {
    name: "phone",
    gate: { digits: 7 },
    type: "PHONE_NUMBER",
    // The lookahead (7 digits before any letter or line end) rejects short numbers before the slow part.
    regex: /(?<![\w+.\/-])(?=[+(\d](?:[ .\/()+-]{0,3}\d){6})(?:\+|00)?(?:\(\+?\d{1,5}\)|\d{1,5})(?:[ .\/-]?\(?\d{1,5}\)?){1,6}(?:[ .-]?(?:x|ext\.?|#)\s?\d{1,6})?(?![\w-]*\d)/g,
    score: 0.6,
    context: ["phone", "tel", "telephone", "call", "mobile", "cell", "fax", "contact", "contacts", "phones", "numbers", "emergency", "landline", "hotline", "sms", "number", "reach", "whatsapp", "text"],
    contextBoost: 0.3,
    validate: phoneValid,
    priority: 1,
  },
  {
    name: "phone_regional",
    gate: { digits: 7, re: /phone|tel|call|mobile|cell|fax|whatsapp|ring/i },
    type: "PHONE_NUMBER",
    regex: /(?<![\w+.\/-])(?=[+(\d](?:[ .\/()+-]{0,3}\d){6})(?:\+|00)?(?:\(\+?\d{1,5}\)|\d{1,5})(?:[ .\/-]?\(?\d{1,5}\)?){1,6}(?:[ .-]?(?:x|ext\.?|#)\s?\d{1,6})?(?![\w-]*\d)/g,
    score: 0.2,
    context: ["phone", "tel", "telephone", "call", "mobile", "cell", "fax", "whatsapp", "ring"],
    contextBoost: 0.45,
    validate: phoneRegionalValid,
    priority: 1,
  },
  {
    name: "phone_digits",
    gate: { digits: 8 },
    type: "PHONE_NUMBER",
    regex: /(?<![\w+.-])\+?\d{8,15}(?![\w-])/g,
    score: 0.2,
    context: ["phone", "tel", "telephone", "call", "mobile", "cell", "fax", "contact", "contacts", "phones", "numbers", "emergency", "landline", "hotline", "sms", "whatsapp", "number", "dial", "text", "reach"],
    contextBoost: 0.4,
    contextGate: false,
    validate: phoneDigitsValid,
    priority: 1,
  },
  {
    // A postcode alone is a place (LOCATION) when a context word names it.
    name: "postcode",
    type: "LOCATION",
    gate: { digits: 4, re: /zip|post|plz|cep|deliver|ship/i },
    regex: /\b(?:\d{5}(?:-\d{4})?|\d{4}|\d{3}-\d{3}|\d{2}-\d{3}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b/g,
    score: 0.1,
    context: ["zip", "zipcode", "postal", "postcode", "post code", "zip code", "plz", "cep", "deliver", "delivers", "delivery", "ship", "shipping"],
    contextBoost: 0.6,
  },
  {
    name: "age",
    gate: { digits: 1 },
    type: "AGE",
    // The finding is the number alone ("I am 42 years old" → "42"): the rest is not personal.
    // Ages are whole numbers or, for infants, one decimal ("1.5").
    regex: /\b(?:aged?\s*:?\s*(\d{1,3}(?:\.\d)?)|(?:age|ages) (?:of|is|was)\s+(\d{1,3}(?:\.\d)?)|turn(?:ed|s|ing)\s+(\d{1,3})(?!\s*(?:%|percent|times|minutes|hours|days|pages|o'clock|[ap]\.?m\b))|(\d{1,3}(?:\.\d)?)\s*(?:-|\s)?(?:years?|yrs?|y\.?\/?o\.?)(?:[\s-]*(?:old|of age))?)\b/gi,
    score: 0.75,
    captured: true,
  },
  {
    // "she is 34", "I'm 7 and ..." (a bare number after a copula, at the end of a clause).
    name: "age_copula",
    gate: { digits: 1 },
    type: "AGE",
    // The number comes first and the words before it are checked by a lookbehind, so the scan only
    // stops at digits.
    // Also "At 39 he started his first company": "at" and a number before a pronoun subject (one
    // scan for both).
    // And "I was 20 when ...": a past copula, then "when"; "our daughter, 7, ...": a number set off
    // by commas after a kinship word; "a man in his 30s": a decade of life after a possessive.
    regex: /\d{1,3}(?!\d)(?:(?<=\b(?:i'm|i am|he's|she's|he is|she is|who is|who's|you're|you are)\s+\d{1,3})(?=\s*(?:[,.;!?)]|$|\n|and\b|now\b|today\b|this\b|next\b|in\b))(?![.,]\d)|(?<=\bat\s+\d{1,3})(?<!\d{3})(?=,?\s+(?:he|she|i|they|we)\s)|(?<=\b(?:was|were)\s+\d{1,3})(?=,?\s+when\b)|(?<=\b(?:son|daughter|child|kid|boy|girl|baby|brother|sister|nephew|niece|grandson|granddaughter|grandchild|toddler|mother|father|mom|mum|dad|husband|wife|partner|patient),\s+\d{1,3})(?=,)|(?<=\bin\s+(?:his|her|their|my|your|our)\s+(?:(?:early|mid|late)[\s-]+)?[1-9]0)s\b)/gi,
    score: 0.75,
  },
  {
    // "How old is Sam? Sam is 7.": a bare number after "is" at the end of a clause, when a word on
    // age comes just before.
    name: "age_is",
    gate: { digits: 1 },
    type: "AGE",
    regex: /\d{1,3}(?!\d)(?<=\bis\s+\d{1,3})(?=\s*(?:[.!?]|$))(?![.,]\d)/g,
    score: 0.2,
    context: ["old", "age", "aged"],
    contextBoost: 0.4,
  },
  {
    name: "private_key",
    priority: 2,
    gate: { includes: "-----BEGIN" },
    type: "SECRET",
    regex: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z]+ )*PRIVATE KEY-----/g,
    score: 1,
  },
  {
    name: "jwt",
    priority: 2,
    gate: { includes: "eyJ" },
    type: "SECRET",
    regex: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
    score: 0.95,
  },
  {
    name: "api_key",
    priority: 2,
    type: "SECRET",
    regex: /\b(?:AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20}|llmos_[A-Za-z0-9_-]{20,})/g,
    gate: { run: 20 },
    score: 0.95,
  },
  {
    name: "high_entropy_token",
    gate: { run: 32 },
    type: "SECRET",
    regex: /(?<![\w+/=-])[A-Za-z0-9+/_=-]{32,}(?![\w+/=-])/g,
    score: 0.5,
    context: ["key", "token", "secret", "password", "passwd", "pwd", "api", "bearer", "auth", "credential"],
    contextBoost: 0.4,
    validate: (s) => shannonEntropy(s) > 4 && /\d/.test(s) && /[a-z]/.test(s) && /[A-Z]/.test(s),
  },
];
