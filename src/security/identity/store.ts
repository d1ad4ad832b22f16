// Principals and tenants in SQLite (subsystem "identity"): create, list, revoke, authenticate,
// and the first-start bootstrap of an admin key. Secrets exist only in the value returned once.
import { hash } from "node:crypto";
import { InvalidArgumentError, NotFoundError } from "../../errors/index.ts";
import { migrate, type Db, prepared } from "../../store/index.ts";
import { AuthenticationError } from "../errors.ts";
import { checkSecret, DEFAULT_SCRYPT, hashSecret, newApiKey, parseApiKey, type ScryptParams } from "./apikey.ts";
import { ROLES, type Principal, type Role } from "./roles.ts";

const STEPS = [
  `CREATE TABLE identity_tenants (name TEXT PRIMARY KEY, created TEXT NOT NULL);
   CREATE TABLE identity_principals (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     role TEXT NOT NULL,
     tenant TEXT NOT NULL REFERENCES identity_tenants(name),
     secret_hash TEXT NOT NULL,
     created TEXT NOT NULL,
     revoked TEXT
   );`,
];

export interface PrincipalInfo extends Principal {
  name: string;
  created: string;
  revoked: string | null;
}

export interface CreatedKey {
  principal: PrincipalInfo;
  /** The full API key. Shown once; only its scrypt hash is stored. */
  key: string;
}

export interface IdentityOptions {
  scrypt?: ScryptParams;
  /** How long a verified key skips scrypt (ms, default 60 000). Role and revocation are still read per request. */
  cacheMs?: number;
  now?: () => number;
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function checkTenantName(field: string, v: unknown): string {
  if (typeof v !== "string" || !NAME_RE.test(v)) throw new InvalidArgumentError(field, "must be 1-63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit");
  return v;
}

export function checkRole(v: unknown): Role {
  if (typeof v !== "string" || !(ROLES as readonly string[]).includes(v)) throw new InvalidArgumentError("role", `must be one of ${ROLES.join(", ")}`);
  return v as Role;
}

interface Row { id: string; name: string; role: string; tenant: string; secret_hash: string; created: string; revoked: string | null }
const toInfo = (r: Row): PrincipalInfo => ({ id: r.id, name: r.name, role: r.role as Role, tenant: r.tenant, created: r.created, revoked: r.revoked });

export class IdentityStore {
  private readonly scrypt: ScryptParams;
  private readonly cacheMs: number;
  private readonly now: () => number;
  /** SHA-256 of a presented key → when its scrypt check stops being trusted. Never the key itself. */
  private readonly verified = new Map<string, { id: string; until: number }>();

  private constructor(readonly db: Db, opts: IdentityOptions) {
    this.scrypt = opts.scrypt ?? DEFAULT_SCRYPT;
    this.cacheMs = opts.cacheMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  static open(db: Db, opts: IdentityOptions = {}): IdentityStore {
    migrate(db, "identity", STEPS);
    return new IdentityStore(db, opts);
  }

  count(): number {
    return prepared(this.db, "SELECT COUNT(*) FROM identity_principals").pluck().get() as number;
  }

  /** Creates a principal and its key; the key is in the result only. */
  create(opts: { role: Role; tenant: string; name?: string; key?: string }): CreatedKey {
    const role = checkRole(opts.role);
    const tenant = checkTenantName("tenant", opts.tenant);
    const name = opts.name ?? `${role}@${tenant}`;
    if (typeof name !== "string" || name.length === 0 || name.length > 128 || /[\u0000-\u001f]/.test(name)) {
      throw new InvalidArgumentError("name", "must be 1-128 printable characters");
    }
    let k = newApiKey();
    if (opts.key !== undefined) {
      const p = parseApiKey(opts.key);
      if (!p) throw new InvalidArgumentError("key", "must look like llmos_<12 hex digits>_<64 hex digits>; create one with 'llmos keys create'");
      k = { key: opts.key, ...p };
    }
    const created = new Date(this.now()).toISOString();
    this.db.transaction(() => {
      prepared(this.db, "INSERT OR IGNORE INTO identity_tenants (name, created) VALUES (?, ?)").run(tenant, created);
      const exists = prepared(this.db, "SELECT 1 FROM identity_principals WHERE id = ?").get(k.id);
      if (exists) throw new InvalidArgumentError("key", "a key with this id already exists");
      prepared(this.db, "INSERT INTO identity_principals (id, name, role, tenant, secret_hash, created) VALUES (?, ?, ?, ?, ?, ?)")
        .run(k.id, name, role, tenant, hashSecret(k.secret, this.scrypt), created);
    })();
    return { principal: { id: k.id, name, role, tenant, created, revoked: null }, key: k.key };
  }

  list(filter: { tenant?: string; includeRevoked?: boolean } = {}): PrincipalInfo[] {
    const rows = prepared(this.db, "SELECT * FROM identity_principals ORDER BY created, id").all() as Row[];
    return rows.map(toInfo).filter((p) => (filter.tenant === undefined || p.tenant === filter.tenant) && (filter.includeRevoked || p.revoked === null));
  }

  tenants(): string[] {
    return prepared(this.db, "SELECT name FROM identity_tenants ORDER BY name").pluck().all() as string[];
  }

  get(id: string): PrincipalInfo | undefined {
    const r = prepared(this.db, "SELECT * FROM identity_principals WHERE id = ?").get(id) as Row | undefined;
    return r && toInfo(r);
  }

  revoke(id: string): PrincipalInfo {
    const p = this.get(id);
    if (!p) throw new NotFoundError("key", id, "see 'llmos keys list'");
    if (p.revoked === null) {
      const at = new Date(this.now()).toISOString();
      prepared(this.db, "UPDATE identity_principals SET revoked = ? WHERE id = ?").run(at, id);
      p.revoked = at;
    }
    for (const [h, v] of this.verified) if (v.id === id) this.verified.delete(h);
    return p;
  }

  /**
   * The principal of a presented key, or AuthenticationError. A key verified in the last `cacheMs`
   * skips scrypt; its row is still read, so a revocation (even by another process) takes effect at once.
   */
  authenticate(key: string): Principal {
    const parsed = typeof key === "string" && key.length < 200 ? parseApiKey(key) : undefined;
    if (!parsed) throw new AuthenticationError("malformed API key; expected llmos_<id>_<secret>");
    const row = prepared(this.db, "SELECT * FROM identity_principals WHERE id = ?").get(parsed.id) as Row | undefined;
    if (!row || row.revoked !== null) throw new AuthenticationError("invalid or revoked API key");
    const digest = hash("sha256", key); // one-shot: a third of createHash's cost per request
    const hit = this.verified.get(digest);
    const now = this.now();
    if (!(hit && hit.id === row.id && hit.until > now)) {
      if (!checkSecret(parsed.secret, row.secret_hash)) throw new AuthenticationError("invalid or revoked API key");
      this.verified.set(digest, { id: row.id, until: now + this.cacheMs });
      if (this.verified.size > 10_000) this.verified.delete(this.verified.keys().next().value!);
    }
    return { id: row.id, tenant: row.tenant, role: row.role as Role };
  }

  /**
   * First start: with no principals, creates an admin of tenant `default` and returns its key (print
   * it once). `envKey` (LLMOS_ADMIN_KEY) is used as that key instead, and is added as an admin on a
   * later start if its id is unknown. Returns undefined when nothing was created.
   */
  bootstrap(envKey?: string): CreatedKey | undefined {
    if (envKey !== undefined && envKey !== "") {
      const p = parseApiKey(envKey);
      if (!p) throw new InvalidArgumentError("LLMOS_ADMIN_KEY", "must look like llmos_<12 hex digits>_<64 hex digits>; 'llmos keys create' prints one");
      if (this.get(p.id)) return undefined;
      return this.create({ role: "admin", tenant: "default", name: "bootstrap admin", key: envKey });
    }
    if (this.count() > 0) return undefined;
    return this.create({ role: "admin", tenant: "default", name: "bootstrap admin" });
  }
}
