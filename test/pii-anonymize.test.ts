// Operators, pseudonym maps and the encrypted vault (SQLite through src/store, sealed rows).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Analyzer, anonymize, deanonymize, decryptValue, hashValue, PiiDecryptError, PseudonymMap, PseudonymVault, type Sealer } from "../src/privacy/pii/index.ts";
import { openDatabase } from "../src/store/index.ts";
import { CorruptFileError } from "../src/errors/index.ts";

const analyzer = new Analyzer();
const TEXT = "Contact John Smith at john.smith@example.com or 4111 1111 1111 1111. John Smith agreed.";

/** A real AES-256-GCM envelope in the shape of the security kernel's (nonce ‖ ciphertext ‖ tag). */
function aesSealer(key = randomBytes(32)): Sealer {
  return {
    seal(plain, aad) {
      const iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", key, iv).setAAD(Buffer.from(aad));
      return Buffer.concat([iv, c.update(plain), c.final(), c.getAuthTag()]);
    },
    open(sealed, aad) {
      const b = Buffer.from(sealed);
      const d = createDecipheriv("aes-256-gcm", key, b.subarray(0, 12)).setAAD(Buffer.from(aad));
      d.setAuthTag(b.subarray(b.length - 16));
      return Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]);
    },
  };
}

test("replace numbers each distinct value per type, consistently", () => {
  const r = anonymize(TEXT, analyzer.analyze(TEXT));
  assert.equal(r.text, "Contact <PERSON_1> at <EMAIL_ADDRESS_1> or <CREDIT_CARD_1>. <PERSON_1> agreed.");
  assert.equal(deanonymize(r.text, { pseudonyms: r.pseudonyms }), TEXT);
});

test("redact, mask and keep", () => {
  const f = analyzer.analyze(TEXT);
  assert.equal(anonymize(TEXT, f, { operators: { DEFAULT: { type: "redact" } } }).text, "Contact  at  or . agreed.".replace(". agreed", ".  agreed"));
  const masked = anonymize(TEXT, f, { operators: { CREDIT_CARD: { type: "mask", keepLast: 4 }, DEFAULT: { type: "keep" } } }).text;
  assert.match(masked, /\*\*\*\* \*\*\*\* \*\*\*\* 1111/);
  assert.match(masked, /John Smith/);
});

test("hash is HMAC-SHA-256 under the tenant key: stable for one key, different for another", () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const f = analyzer.analyze(TEXT);
  const a = anonymize(TEXT, f, { operators: { DEFAULT: { type: "hash" } }, hashKey: k1 }).text;
  const b = anonymize(TEXT, f, { operators: { DEFAULT: { type: "hash" } }, hashKey: k1 }).text;
  const c = anonymize(TEXT, f, { operators: { DEFAULT: { type: "hash" } }, hashKey: k2 }).text;
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.ok(a.includes(hashValue("John Smith", "PERSON", k1)));
  assert.ok(!a.includes("John"));
  assert.throws(() => anonymize(TEXT, f, { operators: { DEFAULT: { type: "hash" } } }), /hashKey/);
});

test("encrypt is reversible only with the key (AES-256-GCM)", () => {
  const key = randomBytes(32);
  const r = anonymize(TEXT, analyzer.analyze(TEXT), { operators: { DEFAULT: { type: "encrypt" } }, encryptKey: key });
  assert.ok(!r.text.includes("John") && !r.text.includes("4111"));
  assert.equal(deanonymize(r.text, { encryptKey: key }), TEXT);
  const token = r.text.match(/enc:[A-Za-z0-9_-]+/)![0];
  assert.throws(() => decryptValue(token, "PERSON", randomBytes(32)), PiiDecryptError);
  assert.throws(() => decryptValue(token, "LOCATION", key), PiiDecryptError, "entity type is bound as AAD");
});

test("pseudonymize gives realistic, consistent surrogates that map back", () => {
  const map = new PseudonymMap();
  const r = anonymize(TEXT, analyzer.analyze(TEXT), { operators: { DEFAULT: { type: "pseudonymize" } }, pseudonyms: map });
  assert.ok(!r.text.includes("John Smith") && !r.text.includes("john.smith"));
  const person = map.surrogate("PERSON", "John Smith");
  assert.match(person, /^[A-Z][a-z]+ [A-Z][a-z]+$/);
  assert.equal(r.text.split(person).length - 1, 2, "same person, same surrogate");
  assert.match(map.surrogate("EMAIL_ADDRESS", "john.smith@example.com"), /@example\.(com|org|net)$/);
  assert.equal(deanonymize(r.text, { pseudonyms: map }), TEXT);
  assert.ok(map.longestSurrogate >= person.length);
});

test("vault stores sealed rows only, reloads the map, and binds rows to their conversation", () => {
  const dir = mkdtempSync(join(tmpdir(), "llmos-pii-vault-"));
  try {
    const db = openDatabase(join(dir, "llmos.db"));
    const sealer = aesSealer();
    const vault = new PseudonymVault(db, sealer);
    const map = vault.load("acme", "conv-1");
    const s = map.surrogate("PERSON", "Canary Q. Zebulon");
    map.surrogate("EMAIL_ADDRESS", "canary.zebulon@example.net");
    assert.equal(vault.save("acme", "conv-1", map), 2);
    assert.equal(vault.save("acme", "conv-1", map), 0, "nothing new to store");
    const again = vault.load("acme", "conv-1");
    assert.equal(again.surrogate("PERSON", "Canary Q. Zebulon"), s);
    assert.equal(again.original(s), "Canary Q. Zebulon");
    assert.equal(vault.load("acme", "conv-2").size, 0);
    // Move a sealed row to another conversation: it must not open there.
    db.prepare("UPDATE pii_vault SET conversation = 'conv-3'").run();
    assert.throws(() => vault.load("acme", "conv-3"), CorruptFileError);
    db.close();
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, f));
      assert.ok(!bytes.includes(Buffer.from("Zebulon")) && !bytes.includes(Buffer.from("zebulon")), `plaintext in ${f}`);
    }
    assert.throws(() => vault.load("bad tenant!", "c"), /tenant/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
