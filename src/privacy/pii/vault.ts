// The pseudonym vault: each conversation's original ↔ surrogate pairs in SQLite (subsystem "pii"),
// every row sealed by the caller's envelope cipher with the tenant and conversation as associated
// data, so a row copied to another conversation does not open. No value is stored in the clear.
import { migrate, prepared, type Db } from "../../store/index.ts";
import { CorruptFileError, InvalidArgumentError } from "../../errors/index.ts";
import { PseudonymMap, type PseudonymEntry } from "./pseudonyms.ts";

/** The shape of the security kernel's envelope cipher (AEAD: seal/open with associated data). */
export interface Sealer {
  seal(plain: Uint8Array, aad: string): Uint8Array;
  open(sealed: Uint8Array, aad: string): Uint8Array;
}

const MIGRATIONS = [
  `CREATE TABLE pii_vault (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     tenant TEXT NOT NULL,
     conversation TEXT NOT NULL,
     sealed BLOB NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE INDEX pii_vault_conversation ON pii_vault (tenant, conversation);`,
];

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

export class PseudonymVault {
  private readonly db: Db;
  private readonly sealer: Sealer;

  constructor(db: Db, sealer: Sealer) {
    migrate(db, "pii", MIGRATIONS);
    this.db = db;
    this.sealer = sealer;
  }

  private static aad(tenant: string, conversation: string): string {
    return `llmos/pii-vault/v1\u0000${tenant}\u0000${conversation}`;
  }

  private static check(tenant: string, conversation: string): void {
    if (!ID.test(tenant)) throw new InvalidArgumentError("tenant", "must be 1-128 characters of A-Z a-z 0-9 . _ : -");
    if (!ID.test(conversation)) throw new InvalidArgumentError("conversation", "must be 1-128 characters of A-Z a-z 0-9 . _ : -");
  }

  /** The conversation's map (empty for a new conversation). */
  load(tenant: string, conversation: string): PseudonymMap {
    PseudonymVault.check(tenant, conversation);
    const aad = PseudonymVault.aad(tenant, conversation);
    const rows = prepared(this.db, "SELECT sealed FROM pii_vault WHERE tenant = ? AND conversation = ? ORDER BY id").all(tenant, conversation) as { sealed: Buffer }[];
    const entries: PseudonymEntry[] = [];
    for (const r of rows) {
      let plain: Uint8Array;
      try {
        plain = this.sealer.open(new Uint8Array(r.sealed), aad);
      } catch (cause) {
        throw new CorruptFileError("pii vault", "a sealed row does not open for this conversation (wrong key or altered row)", { cause });
      }
      entries.push(JSON.parse(Buffer.from(plain).toString("utf8")) as PseudonymEntry);
    }
    return new PseudonymMap(entries);
  }

  /** Stores the map's entries made since it was loaded (or last saved), in one transaction. */
  save(tenant: string, conversation: string, map: PseudonymMap): number {
    PseudonymVault.check(tenant, conversation);
    const fresh = map.takeFresh();
    if (fresh.length === 0) return 0;
    const aad = PseudonymVault.aad(tenant, conversation);
    const insert = prepared(this.db, "INSERT INTO pii_vault (tenant, conversation, sealed, created_at) VALUES (?, ?, ?, ?)");
    const now = Date.now();
    this.db.transaction(() => {
      for (const e of fresh) {
        const sealed = this.sealer.seal(Buffer.from(JSON.stringify({ type: e.type, original: e.original, surrogate: e.surrogate })), aad);
        insert.run(tenant, conversation, Buffer.from(sealed), now);
      }
    })();
    return fresh.length;
  }

  /** Forgets a conversation (right to erasure): its surrogates can no longer be re-identified. */
  forget(tenant: string, conversation: string): number {
    PseudonymVault.check(tenant, conversation);
    return prepared(this.db, "DELETE FROM pii_vault WHERE tenant = ? AND conversation = ?").run(tenant, conversation).changes;
  }
}
