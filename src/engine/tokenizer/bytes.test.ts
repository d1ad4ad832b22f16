// The GPT-2 byte map and our UTF-8 encoder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BYTE_TO_CHAR, bytesToTokenString, charToByte, tokenStringToBytes } from "./bytes.ts";
import { utf8Bytes } from "./utf8.ts";

test("the byte map is a bijection onto 256 single characters", () => {
  assert.equal(BYTE_TO_CHAR.length, 256);
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
  for (let b = 0; b < 256; b++) {
    assert.equal(BYTE_TO_CHAR[b]!.length, 1);
    assert.equal(charToByte(BYTE_TO_CHAR[b]!.charCodeAt(0)), b);
  }
});

test("printable bytes map to themselves, the rest to U+0100 upwards in byte order", () => {
  let next = 0x100;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    assert.equal(BYTE_TO_CHAR[b]!.charCodeAt(0), printable ? b : next++, `byte ${b}`);
  }
  assert.equal(next, 0x100 + 68);
  // The well-known GPT-2 spellings: space is Ġ, newline Ċ, tab ĉ, soft hyphen Ń.
  assert.equal(BYTE_TO_CHAR[0x20], "Ġ");
  assert.equal(BYTE_TO_CHAR[0x0a], "Ċ");
  assert.equal(BYTE_TO_CHAR[0x09], "ĉ");
  assert.equal(BYTE_TO_CHAR[0xad], "Ń");
});

test("token strings convert to bytes and back; foreign characters are refused", () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(tokenStringToBytes(bytesToTokenString(bytes)), bytes);
  assert.equal(tokenStringToBytes("a b"), null); // a raw space is not a map character
  assert.deepEqual(tokenStringToBytes("é"), Uint8Array.of(0xe9)); // U+00E9 is the map character for byte 0xE9
  assert.equal(tokenStringToBytes("€"), null);
  assert.equal(charToByte(0x10000), -1);
});

test("utf8Bytes matches Node's UTF-8, lone surrogates becoming U+FFFD", () => {
  const samples = ["", "abc", "é", "€", "你好", "😀", "👨‍👩‍👧‍👦", "\u0000\u007f\u0080\u07ff\u0800\uffff", "\u{10ffff}", "a\ud800b", "\udc00", "x\ud83d"];
  for (const s of samples) assert.deepEqual(utf8Bytes(s), [...Buffer.from(s, "utf8")], JSON.stringify(s));
});
