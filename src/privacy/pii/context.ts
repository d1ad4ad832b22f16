// Context words: a recognizer's cue word just before a match ("SSN: ...", "call me at ...")
// raises its score, as Presidio's LemmaContextAwareEnhancer does with a window of words.

const WINDOW = 48;

/** True when one of `words` (lower-case) occurs as a word in the text just before `start`. */
export function hasContext(text: string, start: number, words: readonly string[] | Set<string>): boolean {
  const before = text.slice(Math.max(0, start - WINDOW), start).toLowerCase();
  const set = words instanceof Set ? words : new Set(words);
  for (const w of before.split(/[^\p{L}\p{N}#'’]+/u)) if (w && set.has(w)) return true;
  for (const w of set) if (w.includes(" ") && before.includes(w)) return true;
  return false;
}
