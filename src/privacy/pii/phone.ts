// Phone number validation through libphonenumber-js (Google's metadata): international numbers
// must be possible for their calling code; national ones valid in one of a few common regions.
import { Metadata, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";

const REGIONS: CountryCode[] = ["US", "GB", "DE", "FR", "IN", "ES", "IT", "BR"];

// How many leading digits each region's national-prefix rule can strip (libphonenumber's
// nationalPrefixForParsing: "1" for US, "0|180020" for GB, "(?:0|90)" and a 2-digit carrier for BR).
const STRIPPED: Record<string, number[]> = { US: [0, 1], GB: [0, 1, 6], DE: [0, 1], FR: [0, 1], IN: [0, 1], ES: [0], IT: [0, 1], BR: [0, 1, 2, 3, 4] };

// A number can be possible (or valid) in a region only if its national significant number has one
// of the region's possible lengths (metadata). libphonenumber compiles a regular expression per
// check, so the length test first skips the regions that cannot match: same answers, fewer parses.
const LENGTHS: Map<CountryCode, Set<number>> = (() => {
  const m = new Metadata();
  return new Map(REGIONS.map((r) => {
    m.selectNumberingPlan(r);
    return [r, new Set(m.numberingPlan!.possibleLengths())] as const;
  }));
})();

function mayFit(region: CountryCode, digits: number): boolean {
  const lengths = LENGTHS.get(region)!;
  return STRIPPED[region]!.some((k) => lengths.has(digits - k));
}

// Shapes that look like phone numbers but are dates, ZIP+4 / CEP codes or dotted quads.
const NOT_PHONE = /^(?:\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{5}-\d{3,4}|\d{1,3}(?:\.\d{1,3}){3}|\d{4}[./]\d{1,2}[./]\d{1,2})$/;

/** A run of digits alone (no separator), accepted only when a context word such as "phone" precedes it. */
export function phoneDigitsValid(raw: string): boolean {
  const intl = raw.startsWith("+") ? raw : raw.startsWith("00") ? `+${raw.slice(2)}` : undefined;
  if (intl) return parsePhoneNumberFromString(intl)?.isPossible() ?? false;
  const n = raw.length;
  return REGIONS.some((r) => mayFit(r, n) && parsePhoneNumberFromString(raw, r)?.isPossible());
}

// phoneValid's answers within one analyze() call: the regional recognizer asks again about every
// match the main one saw. Cleared per call (forgetPhoneAnswers), so it holds only the current text's.
const answers = new Map<string, boolean>();

export function forgetPhoneAnswers(): void {
  if (answers.size) answers.clear();
}

export function phoneValid(input: string): boolean {
  let v = answers.get(input);
  if (v === undefined) {
    if (answers.size >= 256) answers.clear(); // callers outside the analyzer never forget
    answers.set(input, (v = phoneValidUncached(input)));
  }
  return v;
}

function phoneValidUncached(input: string): boolean {
  // "(+62) 870 ..." writes the calling code in parentheses.
  const raw = input.replace(/^\(\+(\d{1,4})\)/, "+$1");
  if (NOT_PHONE.test(raw.trim())) return false;
  const digits = raw.replace(/\D/g, "");
  const main = raw.replace(/\s*(?:x|ext\.?|#)\s*\d+$/i, "");
  const mainDigits = main.replace(/\D/g, "");
  // E.164 §6: at most 15 digits.
  if (mainDigits.length < 7 || mainDigits.length > 15 || digits.length > 20) return false;
  // A bare digit run is an identifier more often than a phone; require a separator or a prefix.
  if (/^\d+$/.test(main)) return false;
  const intl = main.startsWith("+") ? main : main.startsWith("00") ? `+${main.slice(2)}` : undefined;
  if (intl) return parsePhoneNumberFromString(intl)?.isPossible() ?? false;
  const trimmed = main.trim();
  // North American plan (optional trunk 1) and trunk-prefixed national numbers ("0..." or "(0..."):
  // accepted by shape, which is much faster than a metadata lookup per region.
  if (/^(?:1[ .-]?)?\(?[2-9]\d{2}\)?[ .-]?\d{3}[ .-]?\d{4}$/.test(trimmed)) return true;
  // The 3-3-4 grouping with separators is a phone number even where the digits are not a valid plan.
  if (/^(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}$/.test(trimmed)) return true;
  if (/^\(?0/.test(trimmed) && mainDigits.length >= 9 && mainDigits.length <= 12) return true;
  // Pairs at the end, as Eastern European numbers are written: "(930)053-81-28", "86-627-79-84".
  if (/^(?:\(\d{2,4}\) ?|\d{2,4}[ -])\d{3}[ -]\d{2}[ -]\d{2}$/.test(trimmed) && mainDigits.length >= 9) return true;
  return false;
}

/**
 * Other national formats, checked against each region's metadata (slow): the analyzer runs this
 * only where a context word ("phone", "call") makes the match worth the lookups.
 */
export function phoneRegionalValid(raw: string): boolean {
  if (NOT_PHONE.test(raw.trim()) || phoneValid(raw)) return false; // phoneValid's matches are found already
  const main = raw.replace(/\s*(?:x|ext\.?|#)\s*\d+$/i, "");
  const digits = main.replace(/\D/g, "").length;
  if (digits < 7 || digits > 15 || /^\d+$/.test(main)) return false;
  for (const region of REGIONS) {
    if (mayFit(region, digits) && parsePhoneNumberFromString(main, region)?.isValid()) return true;
  }
  return false;
}
