// Word tokens with their string offsets, for the name/place/organisation tagger.

export interface Token {
  text: string;
  start: number;
  end: number;
}

// Words (letters with inner apostrophes/hyphens), "'s", digit runs, newlines, single punctuation
// marks. A possessive "'s" is its own token, so "Smith's" yields the name "Smith". Hand-written
// scanner with an ASCII fast path: the regex equivalent was a tenth of the analyzer's time.
const LETTER = /^[\p{L}\p{M}]$/u;
const SPACE = /^\s$/u;

function isLetterAt(text: string, i: number): number {
  if (i >= text.length) return 0;
  const c = text.charCodeAt(i);
  if (c < 128) return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? 1 : 0;
  const cp = text.codePointAt(i)!;
  const ch = String.fromCodePoint(cp);
  return LETTER.test(ch) ? ch.length : 0;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isApostrophe = (c: number) => c === 39 || c === 0x2019;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      out.push({ text: "\n", start: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) {
      i++;
      continue;
    }
    if (isDigit(c)) {
      let j = i + 1;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      out.push({ text: text.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    let w = isLetterAt(text, i);
    if (w) {
      let j = i + w;
      for (;;) {
        while (j < n && (w = isLetterAt(text, j))) j += w;
        const d = text.charCodeAt(j);
        if (j + 1 < n && (isApostrophe(d) || d === 45) && (w = isLetterAt(text, j + 1))) {
          // "'s" at the end of a word is split off; "O'Brien" and "Jean-Luc" stay whole.
          const e = text.charCodeAt(j + 1);
          if (isApostrophe(d) && (e === 115 || e === 83) && !isLetterAt(text, j + 2)) break;
          j += 1 + w;
          continue;
        }
        break;
      }
      out.push({ text: text.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (isApostrophe(c) && i + 1 < n && (text.charCodeAt(i + 1) === 115 || text.charCodeAt(i + 1) === 83) && !isLetterAt(text, i + 2)) {
      out.push({ text: text.slice(i, i + 2), start: i, end: i + 2 });
      i += 2;
      continue;
    }
    const cp = text.codePointAt(i)!;
    const len = cp > 0xffff ? 2 : 1;
    const ch = text.slice(i, i + len);
    if (c >= 128 && SPACE.test(ch)) {
      i += len;
      continue;
    }
    out.push({ text: ch, start: i, end: i + len });
    i += len;
  }
  return out;
}

/**
 * Replaces the tokens inside each range by one placeholder token "⟦TYPE⟧" spanning the range.
 * `ranges` may overlap or come in any order.
 */
export function maskTokens(tokens: Token[], ranges: readonly { type: string; start: number; end: number }[]): Token[] {
  if (ranges.length === 0) return tokens;
  const sorted = [...ranges].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Token[] = [];
  let r = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    while (r < sorted.length && sorted[r]!.end <= t.start) r++;
    const m = sorted[r];
    if (m && t.start < m.end && m.start < t.end) {
      let end = m.end;
      while (i + 1 < tokens.length && tokens[i + 1]!.start < end) {
        i++;
        end = Math.max(end, tokens[i]!.end);
      }
      out.push({ text: `⟦${m.type}⟧`, start: Math.min(m.start, t.start), end });
      r++;
      continue;
    }
    out.push(t);
  }
  return out;
}
