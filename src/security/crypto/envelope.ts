// Envelope encryption at rest: every sealed object gets its own random AES-256-GCM data key; the
// data key is wrapped by the master key and kept in SQLite (crypto_data_keys), so rotating the
// master key re-wraps rows in one transaction and never rewrites the objects themselves.
import { randomBytes } from "node:crypto";
import { bytesToHex } from "@noble/hashes/utils.js";
import { InvalidArgumentError } from "../../errors/index.ts";
import { migrate, type Db } from "../../store/index.ts";
import { IntegrityError } from "../errors.ts";
import { gcmOpen, gcmSeal } from "./aead.ts";
import type { MasterKey, MasterKeyring } from "./master.ts";

const STEPS = [
  `CREATE TABLE crypto_data_keys (
     id BLOB PRIMARY KEY,
     master_id TEXT NOT NULL,
     wrapped BLOB NOT NULL,
     created TEXT NOT NULL
   );
   CREATE TABLE crypto_state (k TEXT PRIMARY KEY, v TEXT NOT NULL);`,
];

/**
 * Header v1 (all of it is authenticated as GCM associated data, with the caller's aad):
 *   "LLEK" | version 0x01 | data key id (16) | master id length (1) | master id (ASCII, at seal time)
 * followed by iv (12) | ciphertext | tag (16).
 */
const MAGIC = [0x4c, 0x4c, 0x45, 0x4b];
const VERSION = 1;
const KEY_ID_BYTES = 16;
const enc = new TextEncoder();

function wrapAad(keyId: Uint8Array, masterId: string): Uint8Array {
  return new Uint8Array([...enc.encode("llmos data key v1\0"), ...keyId, ...enc.encode(masterId)]);
}

function parseHeader(sealed: Uint8Array): { header: Uint8Array; keyId: Uint8Array; masterId: string; body: Uint8Array } {
  const fixed = MAGIC.length + 1 + KEY_ID_BYTES + 1;
  if (sealed.length < fixed || MAGIC.some((b, i) => sealed[i] !== b)) throw new IntegrityError("sealed object", "has no LLMasOS envelope header");
  if (sealed[4] !== VERSION) throw new IntegrityError("sealed object", `has envelope version ${sealed[4]}, this llmos reads version ${VERSION}`);
  const keyId = sealed.subarray(5, 5 + KEY_ID_BYTES);
  const idLen = sealed[fixed - 1]!;
  if (sealed.length < fixed + idLen) throw new IntegrityError("sealed object", "is truncated");
  const masterId = new TextDecoder().decode(sealed.subarray(fixed, fixed + idLen));
  return { header: sealed.subarray(0, fixed + idLen), keyId, masterId, body: sealed.subarray(fixed + idLen) };
}

export class EnvelopeCipher {
  private constructor(
    readonly db: Db,
    private keyring: MasterKeyring,
    private readonly reload?: () => MasterKeyring,
  ) {}

  /**
   * `reload` re-reads the key files: another process (`llmos keys rotate-master`) may rotate the
   * master key while this one runs, and a data key must never be wrapped by a retired master key.
   */
  static open(db: Db, keyring: MasterKeyring, reload?: () => MasterKeyring): EnvelopeCipher {
    migrate(db, "crypto", STEPS);
    return new EnvelopeCipher(db, keyring, reload);
  }

  /** The master key id the database says is current (set by the first seal and by rotations). */
  currentMasterId(): string | undefined {
    return this.db.prepare("SELECT v FROM crypto_state WHERE k = 'current_master'").pluck().get() as string | undefined;
  }

  private catchUp(wanted: string): void {
    if (this.keyring.has(wanted) && this.keyring.current.id === wanted) return;
    if (this.reload) this.keyring = this.reload();
    if (!this.keyring.has(wanted)) throw new IntegrityError("master key", `the database is keyed to master key ${wanted}, which is not loaded; check LLMOS_MASTER_KEY or the key file`);
  }

  /** Encrypts `plain` under a fresh data key; `aad` (e.g. "dataset:acme/patients") must match on open. */
  seal(plain: Uint8Array, aad: string): Uint8Array {
    if (!(plain instanceof Uint8Array)) throw new InvalidArgumentError("plain", "must be a Uint8Array");
    if (typeof aad !== "string") throw new InvalidArgumentError("aad", "must be a string");
    const keyId = new Uint8Array(randomBytes(KEY_ID_BYTES));
    const dataKey = new Uint8Array(randomBytes(32));
    // One immediate transaction with rotations: the wrap uses the master key the database names.
    const master = this.db.transaction(() => {
      const cur = this.currentMasterId();
      if (cur === undefined) this.db.prepare("INSERT INTO crypto_state (k, v) VALUES ('current_master', ?)").run(this.keyring.current.id);
      else this.catchUp(cur);
      const m = cur === undefined ? this.keyring.current : this.keyring.get(cur);
      // Committed before the object exists anywhere: a sealed object never outlives its key by a crash.
      this.db.prepare("INSERT INTO crypto_data_keys (id, master_id, wrapped, created) VALUES (?, ?, ?, ?)")
        .run(keyId, m.id, gcmSeal(m.key, dataKey, wrapAad(keyId, m.id)), new Date().toISOString());
      return m;
    }).immediate();
    const mid = enc.encode(master.id);
    const header = new Uint8Array([...MAGIC, VERSION, ...keyId, mid.length, ...mid]);
    const body = gcmSeal(dataKey, plain, new Uint8Array([...header, ...enc.encode(aad)]));
    dataKey.fill(0);
    const out = new Uint8Array(header.length + body.length);
    out.set(header);
    out.set(body, header.length);
    return out;
  }

  /** Decrypts a sealed object; any changed bit, a wrong `aad` or a missing key is an IntegrityError. */
  open(sealed: Uint8Array, aad: string): Uint8Array {
    if (!(sealed instanceof Uint8Array)) throw new InvalidArgumentError("sealed", "must be a Uint8Array");
    const { header, keyId, body } = parseHeader(sealed);
    const row = this.db.prepare("SELECT master_id, wrapped FROM crypto_data_keys WHERE id = ?").get(keyId) as { master_id: string; wrapped: Uint8Array } | undefined;
    if (!row) throw new IntegrityError("sealed object", "names a data key that does not exist (changed header, or the key was shredded)");
    if (!this.keyring.has(row.master_id)) this.catchUp(row.master_id);
    const dataKey = gcmOpen(this.keyring.get(row.master_id).key, row.wrapped, wrapAad(keyId, row.master_id), "wrapped data key");
    try {
      return gcmOpen(dataKey, body, new Uint8Array([...header, ...enc.encode(aad)]), "sealed object");
    } finally {
      dataKey.fill(0);
    }
  }

  /** Crypto-shredding: deletes the object's data key, so no copy of it can ever be opened again. */
  shred(sealed: Uint8Array): boolean {
    const { keyId } = parseHeader(sealed);
    return this.db.prepare("DELETE FROM crypto_data_keys WHERE id = ?").run(keyId).changes === 1;
  }

  /** How many data keys each master key wraps. */
  stats(): Record<string, number> {
    const rows = this.db.prepare("SELECT master_id, COUNT(*) AS n FROM crypto_data_keys GROUP BY master_id").all() as { master_id: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.master_id, r.n]));
  }

  /**
   * Re-wraps every data key under `next` in one transaction (all or nothing) and makes it current.
   * The caller must have stored `next` durably first (see rotateMasterKey).
   */
  rewrapAll(next: MasterKey, keyring: MasterKeyring): number {
    const update = this.db.prepare("UPDATE crypto_data_keys SET master_id = ?, wrapped = ? WHERE id = ?");
    let count = 0;
    this.db.transaction(() => {
      const rows = this.db.prepare("SELECT id, master_id, wrapped FROM crypto_data_keys WHERE master_id != ?").all(next.id) as { id: Uint8Array; master_id: string; wrapped: Uint8Array }[];
      count = rows.length;
      this.db.prepare("INSERT OR REPLACE INTO crypto_state (k, v) VALUES ('current_master', ?)").run(next.id);
      for (const r of rows) {
        const dk = gcmOpen(keyring.get(r.master_id).key, r.wrapped, wrapAad(r.id, r.master_id), `wrapped data key ${bytesToHex(r.id)}`);
        update.run(next.id, gcmSeal(next.key, dk, wrapAad(r.id, next.id)), r.id);
        dk.fill(0);
      }
    }).immediate();
    this.keyring = keyring;
    return count;
  }

  /** Replaces the keyring (after a rotation in another object). */
  useKeyring(keyring: MasterKeyring): void {
    this.keyring = keyring;
  }
}
