// GPT-2 pre-tokenizer: splits text into the pieces that BPE then encodes one by one, computing
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// the way llama.cpp's hand-written matcher does (unicode.cpp, unicode_regex_split_custom_gpt2):
// on code points, contractions lower-case only, letter/number/whitespace as llama.cpp's own tables say
// (U+0085 is whitespace, U+FEFF is not; code points newer than its tables are "other").
import { codePointClasses } from "./unicode-runs.ts";

const OTHER = 0;
const LETTER = 1;
const NUMBER = 2;
const SPACE = 3;
const END = 4;

/** Code points of `text` (a lone surrogate counts as one code point, class other, like the U+FFFD it becomes). */
function scan(text: string): { cls: Uint8Array; cps: Uint32Array; offsets: Uint32Array; n: number } {
  const table = codePointClasses();
  const len = text.length;
  const cls = new Uint8Array(len + 1);
  const cps = new Uint32Array(len + 1);
  const offsets = new Uint32Array(len + 1);
  let n = 0;
  for (let i = 0; i < len; ) {
    let cp = text.charCodeAt(i);
    offsets[n] = i;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < len) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    i++;
    cps[n] = cp;
    cls[n] = cp >= 0xd800 && cp <= 0xdfff ? OTHER : table[cp]!;
    n++;
  }
  offsets[n] = len;
  cls[n] = END;
  return { cls, cps, offsets, n };
}

const QUOTE = 0x27;
const SPACE_CHAR = 0x20;

/**
 * Calls `piece(start, end)` with UTF-16 offsets for each pre-token of `text`, in order; the pieces
 * cover the text exactly.
 */
export function forEachPiece(text: string, piece: (start: number, end: number) => void): void {
  const { cls, cps, offsets, n } = scan(text);
  let k = 0;
  const emit = (to: number): void => {
    piece(offsets[k]!, offsets[to]!);
    k = to;
  };
  while (k < n) {
    const c = cps[k]!;
    if (c === QUOTE && k + 1 < n) {
      const c1 = cps[k + 1]!;
      // 's 't 'm 'd — lower case only, as in GPT-2's regex (no (?i)).
      if (c1 === 0x73 || c1 === 0x74 || c1 === 0x6d || c1 === 0x64) {
        emit(k + 2);
        continue;
      }
      if (k + 2 < n) {
        const c2 = cps[k + 2]!;
        if ((c1 === 0x72 && c2 === 0x65) || (c1 === 0x76 && c2 === 0x65) || (c1 === 0x6c && c2 === 0x6c)) {
          emit(k + 3);
          continue;
        }
      }
    }
    // An optional leading space joins the run that follows it.
    const lead = c === SPACE_CHAR ? 1 : 0;
    const next = cls[k + lead]!;
    if (next === LETTER || next === NUMBER || next === OTHER) {
      let j = k + lead;
      while (cls[j] === next) j++;
      emit(j);
      continue;
    }
    let ws = k;
    while (cls[ws] === SPACE) ws++;
    const count = ws - k;
    if (count > 1 && ws < n) {
      // \s+(?!\S): leave the last whitespace for the word after the run.
      emit(ws - 1);
    } else if (count > 0) {
      emit(ws);
    } else {
      emit(k + 1);
    }
  }
}

/** The pre-tokens of `text` as strings. */
export function pretokenize(text: string): string[] {
  const out: string[] = [];
  forEachPiece(text, (start, end) => out.push(text.slice(start, end)));
  return out;
}
