// Checksums and validity rules of the PII recognizers, against published vectors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cryptoAddressValid, ibanValid, luhnValid, nhsValid, phoneValid, ssnValid } from "../src/privacy/pii/index.ts";

test("Luhn accepts test card numbers and rejects a changed digit", () => {
  for (const n of ["4111 1111 1111 1111", "5555555555554444", "378282246310005", "6011-1111-1111-1117"]) assert.ok(luhnValid(n), n);
  for (const n of ["4111 1111 1111 1112", "1234567890123", "4111"]) assert.ok(!luhnValid(n), n);
});

test("IBAN mod-97 and country lengths (ISO 13616 examples)", () => {
  for (const n of ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR1420041010050500013M02606", "NL91ABNA0417164300"]) assert.ok(ibanValid(n), n);
  assert.ok(!ibanValid("GB82 WEST 1234 5698 7654 33"), "check digit");
  assert.ok(!ibanValid("DE8937040044053201300"), "length for DE");
  assert.ok(!ibanValid("not an iban"));
});

test("SSN rules: area 000/666/9xx, group 00 and serial 0000 are never issued", () => {
  assert.ok(ssnValid("123-45-6788"));
  for (const n of ["000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000", "078-05-1120", "111-11-1111"]) assert.ok(!ssnValid(n), n);
});

test("NHS number mod-11 check digit", () => {
  assert.ok(nhsValid("943 476 5919"));
  assert.ok(!nhsValid("943 476 5918"));
  assert.ok(!nhsValid("1111111111"));
});

test("crypto addresses: base58check, bech32 (BIP-173), EIP-55", () => {
  assert.ok(cryptoAddressValid("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"));
  assert.ok(!cryptoAddressValid("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"));
  assert.ok(cryptoAddressValid("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"));
  assert.ok(!cryptoAddressValid("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"));
  assert.ok(cryptoAddressValid("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
  assert.ok(!cryptoAddressValid("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"), "one case flipped");
  assert.ok(cryptoAddressValid("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"), "all lower case carries no checksum");
});

test("phone numbers: international via libphonenumber, national by shape; dates and ZIP+4 are not phones", () => {
  for (const n of ["+44 20 7946 0958", "(212) 555-0199", "212.555.0199", "+1-202-555-0143", "030 1234567"]) assert.ok(phoneValid(n), n);
  for (const n of ["2020-06-18", "94107-1234", "10.1.2.3", "12345", "+99 1"]) assert.ok(!phoneValid(n), n);
});

test("the possible-length shortcut gives libphonenumber's own answers on the regional and digit checks", async () => {
  const { phoneDigitsValid, phoneRegionalValid, forgetPhoneAnswers } = await import("../src/privacy/pii/phone.ts");
  const { parsePhoneNumberFromString } = await import("libphonenumber-js");
  const regions = ["US", "GB", "DE", "FR", "IN", "ES", "IT", "BR"] as const;
  let seed = 7;
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  let agreed = 0;
  for (let k = 0; k < 1500; k++) {
    let d = String([0, 1, rnd(10)][rnd(3)]);
    for (let i = 1, len = 7 + rnd(9); i < len; i++) d += String(rnd(10));
    // The unfiltered reference: every region asked.
    const digitsReference = d.startsWith("00") ? parsePhoneNumberFromString(`+${d.slice(2)}`)?.isPossible() ?? false : regions.some((r) => parsePhoneNumberFromString(d, r)?.isPossible() ?? false);
    assert.equal(phoneDigitsValid(d), digitsReference, d);
    const grouped = d.replace(/(\d{3})(?=\d{3})/g, "$1 ");
    forgetPhoneAnswers();
    const regional = phoneRegionalValid(grouped);
    forgetPhoneAnswers();
    const reference = !phoneValid(grouped) && regions.some((r) => parsePhoneNumberFromString(grouped, r)?.isValid() ?? false);
    assert.equal(regional, reference, grouped);
    agreed++;
  }
  assert.equal(agreed, 1500);
});
