// Envelope encryption: round trips, every flipped bit and every truncation is an IntegrityError,
// aad binds an object to its name, rotation re-wraps every data key (also across processes and
// after a crash mid-rotation), shredding a data key makes its object unreadable.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { LlmosError } from "../../errors/index.ts";
import { openDatabase } from "../../store/index.ts";
import { IntegrityError } from "../errors.ts";
import { EnvelopeCipher } from "./envelope.ts";
import { MasterKeyring, masterKey } from "./master.ts";
import { rotateMasterKey } from "./rotate.ts";

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "llmos-crypto-"));
  const db = openDatabase(join(dir, "llmos.db"));
  const env = {};
  const cipher = EnvelopeCipher.open(db, MasterKeyring.load(dir, env), () => MasterKeyring.load(dir, env));
  return { dir, db, env, cipher, close: () => { db.close(); rmSync(dir, { recursive: true, force: true }); } };
}
const bytes = (s: string) => new TextEncoder().encode(s);
const isIntegrity = (e: unknown) => e instanceof IntegrityError && e instanceof LlmosError && e.code === "integrity_error";

test("seal / open round trip; the master key file is created 0600; ciphertext hides the plaintext", () => {
  const t = setup();
  try {
    const plain = bytes("name,diagnosis\nAlice,flu\n");
    const sealed = t.cipher.seal(plain, "dataset:acme/patients");
    assert.deepEqual(t.cipher.open(sealed, "dataset:acme/patients"), plain);
    assert.equal(statSync(join(t.dir, "master.key")).mode & 0o777, 0o600);
    assert.ok(!Buffer.from(sealed).includes(Buffer.from("Alice")));
    assert.deepEqual(Array.from(sealed.subarray(0, 5)), [0x4c, 0x4c, 0x45, 0x4b, 1], "versioned header");
    const twice = t.cipher.seal(plain, "dataset:acme/patients");
    assert.notDeepEqual(twice.subarray(5, 21), sealed.subarray(5, 21), "a data key per object");
    assert.deepEqual(t.cipher.open(t.cipher.seal(new Uint8Array(0), ""), ""), new Uint8Array(0));
  } finally {
    t.close();
  }
});

test("flipping any single bit, truncating, or a different aad gives IntegrityError, never garbage", () => {
  const t = setup();
  try {
    const sealed = t.cipher.seal(bytes("secret payload 0123456789"), "vault:acme");
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const c = sealed.slice();
      c[bit >> 3]! ^= 1 << (bit & 7);
      assert.throws(() => t.cipher.open(c, "vault:acme"), isIntegrity, `bit ${bit}`);
    }
    for (let n = 0; n < sealed.length; n++) assert.throws(() => t.cipher.open(sealed.subarray(0, n), "vault:acme"), isIntegrity, `length ${n}`);
    assert.throws(() => t.cipher.open(new Uint8Array([...sealed, 0]), "vault:acme"), isIntegrity);
    assert.throws(() => t.cipher.open(sealed, "vault:globex"), isIntegrity);
    // The wrapped data key in the registry is authenticated too.
    t.db.prepare("UPDATE crypto_data_keys SET wrapped = zeroblob(length(wrapped))").run();
    assert.throws(() => t.cipher.open(sealed, "vault:acme"), isIntegrity);
  } finally {
    t.close();
  }
});

test("property: random plaintexts round trip and random corruption is always refused", () => {
  const t = setup();
  try {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 20 }), fc.nat(), (plain, aad, pos) => {
      const sealed = t.cipher.seal(plain, aad);
      assert.deepEqual(t.cipher.open(sealed, aad), plain);
      const c = sealed.slice();
      c[pos % c.length]! ^= 1 + (pos % 255);
      assert.throws(() => t.cipher.open(c, aad), isIntegrity);
    }), { numRuns: 40 });
  } finally {
    t.close();
  }
});

test("a database opened with another master key cannot open the objects", () => {
  const t = setup();
  try {
    const sealed = t.cipher.seal(bytes("x"), "a");
    const other = EnvelopeCipher.open(t.db, new MasterKeyring(masterKey(new Uint8Array(32).fill(7))));
    assert.throws(() => other.open(sealed, "a"), isIntegrity);
    assert.throws(() => other.seal(bytes("y"), "a"), isIntegrity, "never wraps under a key the database is not keyed to");
  } finally {
    t.close();
  }
});

test("rotate-master re-wraps every data key; objects open under the new key only; a running process follows", async () => {
  const t = setup();
  try {
    const objs = Array.from({ length: 25 }, (_, i) => ({ aad: `obj:${i}`, plain: bytes(`object ${i}`) }));
    const sealed = objs.map((o) => t.cipher.seal(o.plain, o.aad));
    const before = t.cipher.currentMasterId()!;
    // The CLI rotates through its own connection while this "server" cipher keeps running.
    const db2 = openDatabase(join(t.dir, "llmos.db"));
    const cli = EnvelopeCipher.open(db2, MasterKeyring.load(t.dir, {}));
    const r = await rotateMasterKey(cli, t.dir, {});
    db2.close();
    assert.equal(r.from, before);
    assert.equal(r.rewrapped, 25);
    assert.notEqual(r.to, before);
    assert.ok(!existsSync(join(t.dir, "master.key.next")));
    assert.deepEqual(t.cipher.stats(), { [r.to]: 25 });
    const fresh = EnvelopeCipher.open(t.db, MasterKeyring.load(t.dir, {}));
    sealed.forEach((s, i) => assert.deepEqual(fresh.open(s, objs[i]!.aad), objs[i]!.plain));
    // The old process seals a new object: it reloads the keys instead of using the retired one.
    const late = t.cipher.seal(bytes("late"), "late");
    assert.deepEqual(t.cipher.stats(), { [r.to]: 26 });
    assert.deepEqual(fresh.open(late, "late"), bytes("late"));
    const old = EnvelopeCipher.open(t.db, new MasterKeyring(masterKey(new Uint8Array(32))));
    assert.throws(() => old.open(sealed[0]!, "obj:0"), isIntegrity);
  } finally {
    t.close();
  }
});

test("a rotation interrupted after the re-wrap (master.key.next left behind) loses nothing and resumes", async () => {
  const t = setup();
  try {
    const s1 = t.cipher.seal(bytes("one"), "1");
    const next = masterKey(new Uint8Array(32).fill(9));
    writeFileSync(join(t.dir, "master.key.next"), `${Buffer.from(next.key).toString("hex")}\n`, { mode: 0o600 });
    // Simulate the crash: re-wrapped in the database, but master.key not yet replaced.
    t.cipher.rewrapAll(next, new MasterKeyring(next, [MasterKeyring.load(t.dir, {}).current]));
    const afterCrash = EnvelopeCipher.open(t.db, MasterKeyring.load(t.dir, {}));
    assert.deepEqual(afterCrash.open(s1, "1"), bytes("one"));
    const s2 = afterCrash.seal(bytes("two"), "2");
    const r = await rotateMasterKey(afterCrash, t.dir, {});
    assert.equal(r.to, next.id, "resumes with the key already on disk");
    const final = EnvelopeCipher.open(t.db, MasterKeyring.load(t.dir, {}));
    assert.deepEqual(final.open(s1, "1"), bytes("one"));
    assert.deepEqual(final.open(s2, "2"), bytes("two"));
  } finally {
    t.close();
  }
});

test("LLMOS_MASTER_KEY from the environment; rotation then needs LLMOS_NEW_MASTER_KEY; bad keys are named", async () => {
  const t = setup();
  try {
    const k1 = "11".repeat(32);
    const k2 = "22".repeat(32);
    const db = openDatabase(join(t.dir, "env.db"));
    const c = EnvelopeCipher.open(db, MasterKeyring.load(t.dir, { LLMOS_MASTER_KEY: k1 }));
    const s = c.seal(bytes("e"), "e");
    await assert.rejects(rotateMasterKey(c, t.dir, { LLMOS_MASTER_KEY: k1 }), /LLMOS_NEW_MASTER_KEY/);
    const r = await rotateMasterKey(c, t.dir, { LLMOS_MASTER_KEY: k1, LLMOS_NEW_MASTER_KEY: k2 });
    assert.equal(r.rewrapped, 1);
    const after = EnvelopeCipher.open(db, MasterKeyring.load(t.dir, { LLMOS_MASTER_KEY: k2 }));
    assert.deepEqual(after.open(s, "e"), bytes("e"));
    assert.throws(() => MasterKeyring.load(t.dir, { LLMOS_MASTER_KEY: "abc" }), (e: unknown) => e instanceof Error && /LLMOS_MASTER_KEY/.test(e.message) && !e.message.includes("abc"));
    db.close();
  } finally {
    t.close();
  }
});

test("shred deletes the data key: the object can never be opened again", () => {
  const t = setup();
  try {
    const s = t.cipher.seal(bytes("forget me"), "pii:1");
    assert.equal(t.cipher.shred(s), true);
    assert.throws(() => t.cipher.open(s, "pii:1"), isIntegrity);
    assert.throws(() => t.cipher.open(bytes("not an envelope"), "x"), isIntegrity);
  } finally {
    t.close();
  }
});
