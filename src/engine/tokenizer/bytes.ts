// GPT-2's reversible byte <-> character map: every byte gets a visible character so that tokens are
// plain strings. Printable bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves; the other 68 bytes,
// in byte order, map to U+0100, U+0101, ... (GPT-2 encoder.py `bytes_to_unicode`; llama.cpp unicode.cpp).

function isPrintable(b: number): boolean {
  return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
}

function buildByteToChar(): string[] {
  const out: string[] = [];
  let n = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCharCode(isPrintable(b) ? b : 256 + n++));
  return out;
}

/** BYTE_TO_CHAR[b] is the one-character string standing for byte b. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** Indexed by UTF-16 code unit (all map characters are below U+0144); -1 where no byte maps there. */
const CHAR_TO_BYTE: Int16Array = (() => {
  const t = new Int16Array(0x144).fill(-1);
  BYTE_TO_CHAR.forEach((c, b) => (t[c.charCodeAt(0)] = b));
  return t;
})();

/** The byte a map character stands for, or -1 if `unit` is not one of the 256 map characters. */
export function charToByte(unit: number): number {
  return unit < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[unit]! : -1;
}

/** The bytes a token string stands for, or null if it contains a character outside the map. */
export function tokenStringToBytes(token: string): Uint8Array | null {
  const out = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const b = charToByte(token.charCodeAt(i));
    if (b < 0) return null;
    out[i] = b;
  }
  return out;
}

export function bytesToTokenString(bytes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]!]!;
  return s;
}
