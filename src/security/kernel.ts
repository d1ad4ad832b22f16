// The security kernel: one database (<data-dir>/llmos.db), the audit ledger, identities, envelope
// encryption and contracts, built in one place and closed in one place. Key operations here
// authorize the actor and are recorded on the ledger in the same step.
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { openDatabase, type Db } from "../store/index.ts";
import { AuditLedger, LedgerKeys } from "./audit/index.ts";
import { ContractStore } from "./contracts/index.ts";
import { EnvelopeCipher, MasterKeyring, rotateMasterKey, type RotationResult } from "./crypto/index.ts";
import {
  authorize, IdentityStore, RateLimiter, type BucketOptions, type CreatedKey, type Principal, type PrincipalInfo, type Role, type ScryptParams,
} from "./identity/index.ts";

export interface SecurityKernelOptions {
  dataDir: string;
  /** An already open database; default <dataDir>/llmos.db. The kernel closes only what it opened. */
  db?: Db;
  env?: NodeJS.ProcessEnv;
  /** Per-key token bucket (default 60 requests burst, 10/s sustained). */
  rateLimit?: BucketOptions;
  /** Sign a tree head every this many ledger entries (default 256). */
  signEvery?: number;
  scrypt?: ScryptParams;
}

export const DEFAULT_RATE_LIMIT: BucketOptions = { capacity: 60, refillPerSecond: 10 };

/** ~/.llmos unless LLMOS_DATA_DIR says otherwise. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LLMOS_DATA_DIR || join(homedir(), ".llmos");
}

/** The principal for commands run by the operator on this machine (who can read the data dir anyway). */
export function localOperator(): Principal {
  let user = "unknown";
  try {
    user = userInfo().username.replace(/[^A-Za-z0-9._-]/g, "").slice(0, 32) || "unknown";
  } catch {
    // no passwd entry (containers)
  }
  return { id: `local:${user}`, role: "admin", tenant: "default" };
}

export class SecurityKernel {
  readonly db: Db;
  readonly ledger: AuditLedger;
  readonly identity: IdentityStore;
  readonly cipher: EnvelopeCipher;
  readonly contracts: ContractStore;
  readonly limiter: RateLimiter;
  private readonly ownsDb: boolean;

  private constructor(readonly dataDir: string, private readonly env: NodeJS.ProcessEnv, opts: SecurityKernelOptions) {
    this.ownsDb = opts.db === undefined;
    this.db = opts.db ?? openDatabase(join(dataDir, "llmos.db"));
    try {
      this.ledger = AuditLedger.open(this.db, { keys: LedgerKeys.forDataDir(dataDir), signEvery: opts.signEvery ?? 256 });
      this.identity = IdentityStore.open(this.db, opts.scrypt ? { scrypt: opts.scrypt } : {});
      this.cipher = EnvelopeCipher.open(this.db, MasterKeyring.load(dataDir, env), () => MasterKeyring.load(dataDir, env));
      this.contracts = ContractStore.open(this.db, this.ledger);
      this.limiter = new RateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT);
    } catch (e) {
      if (this.ownsDb) this.db.close();
      throw e;
    }
  }

  static open(opts: SecurityKernelOptions): SecurityKernel {
    return new SecurityKernel(opts.dataDir, opts.env ?? process.env, opts);
  }

  /**
   * First start: creates the admin key (or takes LLMOS_ADMIN_KEY) and returns it so the caller can
   * print it once; undefined when keys already exist. Recorded on the ledger (without the key).
   */
  bootstrap(): CreatedKey | undefined {
    const created = this.identity.bootstrap(this.env.LLMOS_ADMIN_KEY);
    if (created) {
      this.ledger.append({ who: "system", action: "keys.bootstrap", resource: `key:${created.principal.id}`, tenant: created.principal.tenant, decision: "info", detail: { role: "admin", fromEnv: Boolean(this.env.LLMOS_ADMIN_KEY) } });
    }
    return created;
  }

  createKey(actor: Principal, opts: { role: Role; tenant: string; name?: string }): CreatedKey {
    const resource = { kind: "key" as const, tenant: opts.tenant, id: "(new)" };
    authorize(actor, "govern", resource);
    return this.db.transaction(() => {
      const created = this.identity.create(opts);
      this.ledger.append({ who: actor.id, action: "keys.create", resource: `key:${created.principal.id}`, tenant: opts.tenant, decision: "allow", detail: { role: opts.role } });
      return created;
    })();
  }

  listKeys(actor: Principal): PrincipalInfo[] {
    return this.identity.list({ includeRevoked: true }).filter((p) => {
      try {
        authorize(actor, "read", { kind: "key", tenant: p.tenant, id: p.id });
        return true;
      } catch {
        return false;
      }
    });
  }

  revokeKey(actor: Principal, id: string): PrincipalInfo {
    const p = this.identity.get(id);
    authorize(actor, "govern", { kind: "key", tenant: p?.tenant ?? actor.tenant, id });
    return this.db.transaction(() => {
      const revoked = this.identity.revoke(id);
      this.ledger.append({ who: actor.id, action: "keys.revoke", resource: `key:${id}`, tenant: revoked.tenant, decision: "allow" });
      return revoked;
    })();
  }

  async rotateMaster(actor: Principal): Promise<RotationResult> {
    authorize(actor, "govern", { kind: "key", tenant: actor.tenant, id: "master" });
    const r = await rotateMasterKey(this.cipher, this.dataDir, this.env);
    this.ledger.append({ who: actor.id, action: "keys.rotate-master", resource: "key:master", tenant: actor.tenant, decision: "allow", detail: { from: r.from, to: r.to, rewrapped: r.rewrapped } });
    return r;
  }

  close(): void {
    if (this.ownsDb && this.db.open) this.db.close();
  }
}
