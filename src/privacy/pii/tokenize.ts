// Word tokens with their string offsets, for the name/place/organisation tagger.

export interface Token {
  text: string;
  start: number;
  end: number;
}

// Words (letters with inner apostrophes/hyphens), digit runs, newlines, single punctuation marks.
const TOKEN = /[\p{L}\p{M}](?:[\p{L}\p{M}'’-]*[\p{L}\p{M}])?|\d+|\n|[^\s\p{L}\p{M}\d]/gu;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
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
