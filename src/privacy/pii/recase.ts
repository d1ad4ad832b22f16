// Lower-cased text ("i met john smith in boston"): the tagger leans on capitals, so words that the
// name and place lexicons know, humannames' ~200k names and every GeoNames town included (and that are not ordinary
// English words), get their capital back
// before tagging. Only the first letter changes, so string offsets stay the same.
import type { Lexicons } from "./lexicon.ts";
import type { Token } from "./tokenize.ts";

let known: Set<string> | undefined;

function knownLower(lex: Lexicons): Set<string> {
  if (known) return known;
  known = new Set<string>();
  for (const set of [lex.firstNames, lex.lastNames, lex.anyNames, lex.cities, lex.countries, lex.states]) {
    for (const w of set) {
      const l = w.toLowerCase();
      if (l.length >= 3 && !lex.englishWords.has(l)) known.add(l);
    }
  }
  for (const w of lex.streetSuffixes) if (w.length >= 4) known.add(w);
  return known;
}

/** True when the text has lower-case letters and no capital at all. */
export function isLowerCased(text: string): boolean {
  // ASCII fast path: nearly every text has a capital within its first few characters.
  let ascii = true;
  let lower = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) return false;
    if (c >= 97 && c <= 122) lower = true;
    else if (c > 127) ascii = false;
  }
  return ascii ? lower : !/\p{Lu}/u.test(text) && /\p{Ll}/u.test(text);
}

/** Tokens with a capital restored on lexicon words (same offsets). */
export function recase(tokens: Token[], lex: Lexicons): Token[] {
  const k = knownLower(lex);
  let out: Token[] | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.text.length < 3 || !k.has(t.text)) continue;
    const up = t.text[0]!.toUpperCase();
    if (up.length !== 1) continue;
    out ??= tokens.slice();
    out[i] = { text: up + t.text.slice(1), start: t.start, end: t.end };
  }
  return out ?? tokens;
}
