// Each tenant's PII policy (per entity type: allow, redact, pseudonymize or block; local, remote and
// per-model), stored in SQLite (subsystem "pii-policy"); tenants without one get the defaults.
import { randomBytes } from "node:crypto";
import { parseTenantPiiPolicy, type TenantPiiPolicy } from "../privacy/pii/index.ts";
import { migrate, type Db, prepared } from "../store/index.ts";

export class PiiPolicyStore {
  constructor(private readonly db: Db) {
    migrate(db, "pii-policy", [`CREATE TABLE pii_policies (tenant TEXT PRIMARY KEY, policy TEXT NOT NULL, updated_at TEXT NOT NULL)`]);
  }

  get(tenant: string): TenantPiiPolicy | undefined {
    const row = prepared(this.db, "SELECT policy FROM pii_policies WHERE tenant = ?").get(tenant) as { policy: string } | undefined;
    return row ? parseTenantPiiPolicy(JSON.parse(row.policy)) : undefined;
  }

  /** Validates and stores a tenant's policy, replacing the previous one. */
  put(tenant: string, input: unknown): TenantPiiPolicy {
    const policy = parseTenantPiiPolicy(input);
    prepared(this.db, `INSERT INTO pii_policies (tenant, policy, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (tenant) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`).run(tenant, JSON.stringify(policy), new Date().toISOString());
    return policy;
  }
}

/**
 * Each tenant's keys for the hash (HMAC-SHA-256) and encrypt (AES-256-GCM) operators: 32 random
 * bytes made on first use and stored sealed by the envelope cipher, so only this installation's
 * master key opens them.
 */
export class PiiTenantKeys {
  constructor(
    private readonly db: Db,
    private readonly cipher: { seal(plain: Uint8Array, aad: string): Uint8Array; open(sealed: Uint8Array, aad: string): Uint8Array },
  ) {
    migrate(db, "pii-keys", [`CREATE TABLE pii_tenant_keys (tenant TEXT NOT NULL, purpose TEXT NOT NULL, sealed BLOB NOT NULL, PRIMARY KEY (tenant, purpose))`]);
  }

  key(tenant: string, purpose: "hash" | "encrypt"): Uint8Array {
    const aad = `pii-key:${tenant}:${purpose}`;
    const row = prepared(this.db, "SELECT sealed FROM pii_tenant_keys WHERE tenant = ? AND purpose = ?").get(tenant, purpose) as { sealed: Buffer } | undefined;
    if (row) return this.cipher.open(new Uint8Array(row.sealed), aad);
    const key = new Uint8Array(randomBytes(32));
    // INSERT OR IGNORE: two first uses at once keep one key; read back whichever won.
    prepared(this.db, "INSERT OR IGNORE INTO pii_tenant_keys (tenant, purpose, sealed) VALUES (?, ?, ?)").run(tenant, purpose, Buffer.from(this.cipher.seal(key, aad)));
    return this.key(tenant, purpose);
  }
}
