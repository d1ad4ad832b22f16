// The code point class table used by the pre-tokenizer, stored compactly as runs: a class letter
// (O other, L letter, N number, W whitespace) followed by the run length in base 32.
import { CLASS_RUNS } from "./unicode-classes.ts";

/** 0 other, 1 letter (\p{L}), 2 number (\p{N}), 3 whitespace (\s) — as llama.cpp's tables say. */
export type CodePointClass = 0 | 1 | 2 | 3;

const CLASS_LETTERS = "OLNW";
export const MAX_CODE_POINT = 0x10ffff;

export function encodeClassRuns(classes: Uint8Array): string {
  let out = "";
  let start = 0;
  for (let i = 1; i <= classes.length; i++) {
    if (i === classes.length || classes[i] !== classes[start]) {
      out += CLASS_LETTERS[classes[start]!]! + (i - start).toString(32);
      start = i;
    }
  }
  return out;
}

export function decodeClassRuns(runs: string): Uint8Array {
  const classes = new Uint8Array(MAX_CODE_POINT + 1);
  const pattern = /([OLNW])([0-9a-v]+)/gy;
  let at = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = pattern.exec(runs)) !== null) {
    consumed = pattern.lastIndex;
    const cls = CLASS_LETTERS.indexOf(m[1]!);
    const length = parseInt(m[2]!, 32);
    classes.fill(cls, at, at + length);
    at += length;
  }
  if (at !== classes.length || consumed !== runs.length) {
    throw new Error(`unicode class table covers ${at} code points, expected ${classes.length}`);
  }
  return classes;
}

let table: Uint8Array | undefined;

/** One byte per code point (U+0000..U+10FFFF), built once on first use (~1 MiB). */
export function codePointClasses(): Uint8Array {
  table ??= decodeClassRuns(CLASS_RUNS);
  return table;
}
