// Context words: a recognizer's cue word just before a match ("SSN: ...", "call me at ...")
// raises its score, as Presidio's LemmaContextAwareEnhancer does with a window of words.

const WINDOW = 48;
const phrases = new WeakMap<Set<string>, string[]>();

const isWordChar = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 35 || c === 39 || c === 0x2019 || (c >= 65 && c <= 90) || c > 127;

/** True when one of `words` (lower-case) occurs as a word in the text just before `start`. */
export function hasContext(text: string, start: number, words: Set<string>): boolean {
  const before = text.slice(Math.max(0, start - WINDOW), start).toLowerCase();
  let i = 0;
  while (i < before.length) {
    while (i < before.length && !isWordChar(before.charCodeAt(i))) i++;
    let j = i;
    while (j < before.length && isWordChar(before.charCodeAt(j))) j++;
    if (j > i && words.has(before.slice(i, j))) return true;
    i = j;
  }
  let multi = phrases.get(words);
  if (!multi) phrases.set(words, (multi = [...words].filter((w) => w.includes(" "))));
  for (const w of multi) if (before.includes(w)) return true;
  return false;
}
