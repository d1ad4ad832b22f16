// The analyzer: every entity type, offsets, context, overlaps, allow/deny lists and custom recognizers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Analyzer, ENTITY_TYPES, type Finding } from "../src/privacy/pii/index.ts";
import { InvalidArgumentError } from "../src/errors/index.ts";

const analyzer = new Analyzer();
const found = (text: string, a = analyzer) => a.analyze(text).map((f) => [f.type, text.slice(f.start, f.end)]);
const has = (text: string, type: string, value: string, a = analyzer) =>
  assert.ok(found(text, a).some(([t, v]) => t === type && v === value), `${type} '${value}' in ${JSON.stringify(found(text, a))}`);

test("finds each pattern entity type with exact offsets", () => {
  has("Mail me at jane.doe@example.org today", "EMAIL_ADDRESS", "jane.doe@example.org");
  has("Call +44 20 7946 0958 or (212) 555-0199.", "PHONE_NUMBER", "+44 20 7946 0958");
  has("Call +44 20 7946 0958 or (212) 555-0199.", "PHONE_NUMBER", "(212) 555-0199");
  has("Reach the office at (930)053-81-28.", "PHONE_NUMBER", "(930)053-81-28");
  has("Call me at +33 (0)1 23 45 67 89.", "PHONE_NUMBER", "+33 (0)1 23 45 67 89");
  has("Please text me at 08704958082 when you arrive.", "PHONE_NUMBER", "08704958082");
  has("card 4111 1111 1111 1111 expires soon", "CREDIT_CARD", "4111 1111 1111 1111");
  has("IBAN GB82 WEST 1234 5698 7654 32 please", "IBAN_CODE", "GB82 WEST 1234 5698 7654 32");
  has("my ssn is 123-45-6788.", "US_SSN", "123-45-6788");
  has("from 192.168.10.20 and 2001:db8::ff00:42:8329", "IP_ADDRESS", "192.168.10.20");
  has("from 192.168.10.20 and 2001:db8::ff00:42:8329", "IP_ADDRESS", "2001:db8::ff00:42:8329");
  has("device 00:1A:2B:3C:4D:5E joined", "MAC_ADDRESS", "00:1A:2B:3C:4D:5E");
  has("see https://example.com/a?b=1 now", "URL", "https://example.com/a?b=1");
  has("Meet on March 3, 2021 at noon", "DATE_TIME", "March 3, 2021");
  has("send to 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 now", "CRYPTO", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2");
  has("passport number 912345678", "US_PASSPORT", "912345678");
  has("driver's license D1234567 expired", "US_DRIVER_LICENSE", "D1234567");
  has("bank account number 12345678901", "US_BANK_NUMBER", "12345678901");
  has("NHS number 943 476 5919", "UK_NHS", "943 476 5919");
  has("I am 42 years old", "AGE", "42");
  has("I'm Niek, 54, from Dennisside.", "AGE", "54");
  has("How old is Wydick? Sumaiya is 7.", "AGE", "7");
  has("At 39 he started his first company.", "AGE", "39");
  assert.ok(!found("The answer is 42.").some(([t]) => t === "AGE"), "a number after 'is' needs a word on age nearby");
  has("the shipment is expected on 25 february 2010.", "DATE_TIME", "25 february 2010");
  has("On 1998, Angelina Kilback flew to Oslo.", "DATE_TIME", "1998");
  has("We moved in March and left in early October.", "DATE_TIME", "March");
  has("We moved in March and left in early October.", "DATE_TIME", "October");
  assert.ok(!found("May I help you? The March was long.").some(([t]) => t === "DATE_TIME"), "a month name needs a word that makes it a time");
  has("Since June 2020 I work here.", "DATE_TIME", "June 2020");
  has("Transfer the money to IBAN AZ55RSTZ83203087943358800380 in the name of Ana.", "IBAN_CODE", "AZ55RSTZ83203087943358800380");
  has("She was 20 when she left.", "AGE", "20");
  has("Our daughter, 7, is sick.", "AGE", "7");
  has("a man in his 30s", "AGE", "30s");
  has("Nurse's note: Jane Roe (34) came in with a sprained ankle.", "AGE", "34");
  has("just got hired!!! starting next tuesday", "DATE_TIME", "tuesday");
  has("Emergency contacts\nFlorina Teodorescu - 0255928952", "PHONE_NUMBER", "0255928952");
  has("Emergency contacts\nFlorina Teodorescu - 0255928952", "PERSON", "Florina Teodorescu");
  has("key sk-proj-abcdefghijklmnopqrstuvwxyz012345", "SECRET", "sk-proj-abcdefghijklmnopqrstuvwxyz012345");
  has("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "SECRET", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U");
});

test("finds names, places and organisations", () => {
  has("My name is John Smith and I live in Paris.", "PERSON", "John Smith");
  has("My name is John Smith and I live in Paris.", "LOCATION", "Paris");
  has("She moved to Germany last year.", "LOCATION", "Germany");
  has("He works at Acme Corp. in Boston.", "ORGANIZATION", "Acme Corp");
  // One postal address is one place, commas and line breaks included (our generator's labelling,
  // synth.ts); places that follow no street stay apart.
  // By default each part of an address is a place; joinAddressParts makes the address one.
  has("Ship it to 12 Baker Street, London", "LOCATION", "12 Baker Street");
  has("Ship it to 12 Baker Street, London", "LOCATION", "London");
  const joined = new Analyzer({ joinAddressParts: true });
  has("Ship it to 12 Baker Street, London", "LOCATION", "12 Baker Street, London", joined);
  has("Ship it to 12 Baker Street\nSpringfield, IL 62704\nthanks", "LOCATION", "12 Baker Street\nSpringfield, IL 62704", joined);
  has("I grew up in Oslo, Norway and moved on.", "LOCATION", "Oslo");
  has("I grew up in Oslo, Norway and moved on.", "LOCATION", "Norway");
  has("Ship it to 12 Oak Street Apt. 5 Boston MA 02110 today", "LOCATION", "12 Oak Street Apt. 5 Boston MA 02110");
  has("We met at the corner of Garcia Crossing and Kim Loaf.", "LOCATION", "the corner of Garcia Crossing and Kim Loaf");
  has("Meet me at the corner of Via Roma and Main Street today", "LOCATION", "the corner of Via Roma and Main Street");
  has("The property at 750 W 2nd Street, Constantinton, Armenia is for sale.", "LOCATION", "750 W 2nd Street");
  has("The property at 750 W 2nd Street, Constantinton, Armenia is for sale.", "LOCATION", "Armenia");
  has("The property at 750 W 2nd Street, Constantinton, Armenia is for sale.", "LOCATION", "750 W 2nd Street, Constantinton, Armenia", joined);
  has("Is the branch in Thelmaborough, HI open on holidays?", "LOCATION", "HI");
  has("Which carriers deliver to 68327-8290?", "LOCATION", "68327-8290");
  has("i met john smith in boston", "PERSON", "john smith");
  has("the bill went to ACME; my iban is gb82west12345698765432", "IBAN_CODE", "gb82west12345698765432");
  has("She lives in Springfield, Illinois 62704.", "LOCATION", "62704");
  has("Hello Faye, your table is ready.", "PERSON", "Faye");
  has("He works at Ford Motor Company in Detroit.", "ORGANIZATION", "Ford Motor Company");
  has("Powell Ltd and Barton & Davis agreed to merge.", "ORGANIZATION", "Barton & Davis");
  assert.ok(!found("Please update my address to park Grzegorczyk 38\nJedwabne, świętokrzyskie 34-813").some(([t]) => t === "ORGANIZATION"), "a name ending in a house number is a street");
  assert.ok(!found("She is French and lives abroad.").some(([t]) => t === "PERSON"), "a nationality is not a person");
  has("My zip code is 94107.", "LOCATION", "94107");
  assert.ok(!found("I have 94107 apples").some(([t]) => t === "LOCATION"), "a number alone is not a postcode");
});

test("every type the issue lists is a known entity type", () => {
  assert.equal(ENTITY_TYPES.length, 19);
});

test("offsets are JavaScript string indices, end exclusive, also after astral characters", () => {
  const text = "😀😀 write to a@b.co";
  const f = analyzer.analyze(text).find((x) => x.type === "EMAIL_ADDRESS")!;
  assert.equal(text.slice(f.start, f.end), "a@b.co");
  assert.equal(f.end, text.length);
});

test("checksums reject look-alikes and context words raise scores", () => {
  assert.ok(!found("order 4111 1111 1111 1112 shipped").some(([t]) => t === "CREDIT_CARD"));
  const plain = analyzer.analyze("ref 123456789").filter((f) => f.type === "US_SSN");
  assert.equal(plain.length, 0, "nine bare digits are not an SSN without context");
  has("SSN: 123456788", "US_SSN", "123456788");
  const score = (t: string) => analyzer.analyze(t).find((f) => f.type === "CREDIT_CARD")!.score;
  assert.ok(score("my credit card is 4111111111111111") > score("number 4111111111111111"));
});

test("overlaps resolve to one finding per span: an e-mail is not also a name or a URL", () => {
  const f = analyzer.analyze("write to John.Smith@example.com");
  assert.deepEqual(f.map((x) => x.type), ["EMAIL_ADDRESS"]);
  for (let i = 1; i < f.length; i++) assert.ok(f[i]!.start >= f[i - 1]!.end);
});

test("allow-list, deny-list, entity filter and threshold from the tenant config", () => {
  const a = new Analyzer({ allow: ["support@example.com"], deny: [{ type: "PERSON", values: ["Zorblax"] }], threshold: 0.5 });
  const f = found("Zorblax wrote to support@example.com and bob@example.com", a);
  assert.deepEqual(f, [["PERSON", "Zorblax"], ["EMAIL_ADDRESS", "bob@example.com"]]);
  const only = new Analyzer({ entities: ["EMAIL_ADDRESS"] });
  assert.deepEqual(found("John Smith, john@example.com, 4111 1111 1111 1111", only).map(([t]) => t), ["EMAIL_ADDRESS"]);
});

test("custom recognizers: regex + context + named validator", () => {
  const a = new Analyzer({
    recognizers: [
      { name: "employee", type: "EMPLOYEE_ID", pattern: "\\bEMP-\\d{6}\\b", score: 0.3, context: ["employee"], contextBoost: 0.5 },
      { name: "acct", type: "ACCOUNT_CARD", pattern: "\\b\\d{16}\\b", score: 0.9, validator: "luhn" },
    ],
  });
  has("employee EMP-123456 joined", "EMPLOYEE_ID", "EMP-123456", a);
  assert.ok(!found("ticket EMP-123456", a).some(([t]) => t === "EMPLOYEE_ID"), "below threshold without context");
  assert.ok(!found("x 4111111111111112 y", a).some(([t]) => t === "ACCOUNT_CARD"));
});

test("invalid config is rejected with the field named", () => {
  assert.throws(() => new Analyzer({ threshold: 2 }), (e: unknown) => e instanceof InvalidArgumentError && /threshold/.test(e.message));
  assert.throws(() => new Analyzer({ recognizers: [{ name: "x", type: "X_Y", pattern: "(" }] }), /recognizers\.0\.pattern/);
  // Nested repetition backtracks exponentially on "aaaa…!": refused before any text meets it.
  assert.throws(() => new Analyzer({ recognizers: [{ name: "x", type: "X_Y", pattern: "^(a+)+$" }] }), /recognizers\.0\.pattern: may backtrack catastrophically/);
  assert.throws(() => new Analyzer({ recognizers: [{ name: "ok", type: "X_Y", pattern: "EMP-\\d{6}" }, { name: "x", type: "X_Y", pattern: "(\\w+\\s?)*x" }] }), /recognizers\.1\.pattern/);
  assert.throws(() => new Analyzer({ recognizers: [{ name: "x", type: "lower", pattern: "a" }] }), /recognizers\.0\.type/);
});

test("findings carry type, start, end and score only", () => {
  const f: Finding = analyzer.analyze("a@b.co")[0]!;
  assert.deepEqual(Object.keys(f).sort(), ["end", "score", "start", "type"]);
});
