// Dates and times: ISO 8601, numeric day/month/year orders, month names in English, clock times,
// weekdays and years that a context word ("in", "since") marks as a date.
import type { PatternRecognizer } from "./patterns.ts";

const MONTH = "(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?";
const DAY = "(?:[12]\\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?!\\d)";
const YEAR = "(?:1[6-9]\\d{2}|20\\d{2}|\\d{2})";
const TIME = "(?:[01]?\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d+)?)?(?:\\s?[AaPp]\\.?[Mm]\\.?)?";
const WEEKDAY = "(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?";

export const DATE_PATTERNS: PatternRecognizer[] = [
  {
    name: "iso_datetime",
    gate: { digits: 8, seps: 2 },
    type: "DATE_TIME",
    regex: /\b\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g,
    score: 0.9,
    priority: 1.5,
  },
  {
    name: "numeric_date",
    gate: { digits: 3 },
    type: "DATE_TIME",
    regex: /(?<![\d/.-])(?:\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}[/.]\d{1,2}[/.]\d{1,2})(?:,?\s+(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s?[AaPp][Mm])?)?(?![\d/.-]*\d)/g,
    score: 0.75,
    priority: 1.5,
    validate: (s) => {
      const parts = s.split(/[/.\s,-]+/).map(Number);
      const [a = 0, b = 0] = parts;
      if (String(parts[0]).length === 4) return b >= 1 && b <= 12;
      return (a >= 1 && a <= 31 && b >= 1 && b <= 31) && (a <= 12 || b <= 12);
    },
  },
  {
    name: "month_name_date",
    gate: { upper: true, re: /Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec/ },
    type: "DATE_TIME",
    regex: new RegExp(
      `(?:\\b${WEEKDAY},?\\s+)?(?:\\b${MONTH}\\s+${DAY}(?:,?\\s+${YEAR}\\b)?|\\b${DAY}(?:\\s+of)?\\s+${MONTH}(?:,?\\s+${YEAR}\\b)?|\\b${MONTH},?\\s+(?:1[6-9]\\d{2}|20\\d{2})\\b)(?:,?\\s+(?:at\\s+)?${TIME})?`,
      "g",
    ),
    score: 0.85,
  },
  {
    // Lower-cased text ("25 february 2010", "sep 14, 1946"), as chat text often is; only where
    // the text has no capital letter at all, so that "may" and "march" in ordinary text stay words.
    name: "month_name_date_lower",
    gate: { upper: false },
    type: "DATE_TIME",
    regex: new RegExp(
      `(?:\\b${MONTH}\\s+${DAY}(?:,?\\s+${YEAR}\\b)?|\\b${DAY}(?:\\s+of)?\\s+${MONTH}(?:,?\\s+${YEAR}\\b)?|\\b${MONTH},?\\s+(?:1[6-9]\\d{2}|20\\d{2})\\b)(?:,?\\s+(?:at\\s+)?${TIME})?`.toLowerCase(),
      "g",
    ),
    score: 0.85,
  },
  {
    // A month named alone after a word that makes it a point in time ("in March", "since June",
    // "early October"): a date as spaCy's DATE label counts it. Full names only, so that "Mar" and
    // "Jan" (a name) stay words; "May" only where the word before leaves no modal-verb reading.
    name: "month_alone",
    gate: { upper: true, re: /January|February|March|April|May|June|July|August|September|October|November|December/ },
    type: "DATE_TIME",
    // The month first and the words before it in lookbehinds, so that the scan stops only at capitals.
    regex: /\b(?:January|February|March|April|June|July|August|September|October|November|December|May(?<=\b(?:in|since|until|during|early|late|mid|each|every|last|next|this|from)\s+May))\b(?<=\b(?:in|since|until|till|during|through|throughout|early|late|mid|each|every|last|next|this|of|from|before|after|by)[\s-]+[A-Z][a-z]+)(?!\s+(?:[12]?\d|3[01])\b)/g,
    score: 0.6,
  },
  {
    name: "time",
    gate: { digits: 1 },
    type: "DATE_TIME",
    regex: new RegExp(`(?<![\\d:])${TIME}(?![\\d:])|\\b(?:1[0-2]|0?[1-9])\\s?[AaPp]\\.?[Mm]\\b\\.?`, "g"),
    score: 0.6,
  },
  {
    name: "weekday",
    gate: { includes: "day" },
    type: "DATE_TIME",
    regex: /\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?\b/g,
    score: 0.6,
  },
  {
    // Weekdays in text without any capital letter ("starting next tuesday"), as with month names.
    name: "weekday_lower",
    gate: { upper: false, includes: "day" },
    type: "DATE_TIME",
    regex: /\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b/g,
    score: 0.6,
  },
  {
    name: "year",
    gate: { digits: 4 },
    type: "DATE_TIME",
    regex: /\b(?:1[89]\d{2}|20\d{2})s?\b/g,
    score: 0.3,
    context: ["in", "on", "since", "from", "until", "year", "born", "by", "during", "of", "before", "after", "circa", "founded", "established", "expires", "expiry", "expired", "exp", "valid", "graduated", "class", "date", "dob", "birthday"],
    contextBoost: 0.35,
    contextGate: false,
  },
  {
    name: "relative_date",
    type: "DATE_TIME",
    regex: /\b(?:yesterday|today|tomorrow|tonight|(?:last|next|this)\s+(?:week|month|year|weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b/gi,
    // Below the default threshold: "yesterday" alone identifies no one (a tenant may lower the threshold).
    score: 0.3,
  },
];
