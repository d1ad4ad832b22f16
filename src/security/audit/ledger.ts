// The append-only audit ledger on SQLite: each append is committed (synchronous=FULL) before it
// returns, costs O(log n) hashes through the in-memory frontier, and tree heads are signed at intervals.
// appendGrouped() is the hot path's variant: committed on return, fsynced in a group commit after.
import { bytesToHex } from "@noble/hashes/utils.js";
import { CorruptFileError, InvalidArgumentError } from "../../errors/index.ts";
import type { Transaction } from "better-sqlite3";
import { WalSync, type Db } from "../../store/index.ts";
import { canonicalJson } from "./canonical.ts";
import { checkEvent, pickEvent, type AuditEvent, type StoredEvent } from "./event.ts";
import { Frontier } from "./frontier.ts";
import { LedgerKeys } from "./keys.ts";
import { consistencyPath, inclusionPath, leafHash, rangeHash, type Hash, type PerfectHash } from "./merkle.ts";
import { migrateAudit } from "./schema.ts";

export interface SignedHead {
  size: number;
  /** Hex MTH of the first `size` entries. */
  root: string;
  time: string;
  keyId: string;
  /** Hex Ed25519 signature over headMessage(). */
  signature: string;
}

export interface AppendResult {
  index: number;
  leafHash: string;
  /** Present when this append reached a signing interval. */
  head?: SignedHead;
}

export interface LedgerOptions {
  keys: LedgerKeys;
  /** Sign a tree head every this many entries (default 256); 0 signs only on demand. */
  signEvery?: number;
  now?: () => Date;
}

/** The exact bytes a head signature covers; an auditor rebuilds them from the published fields. */
export function headMessage(h: Pick<SignedHead, "size" | "root" | "time" | "keyId">): string {
  return canonicalJson({ log: "llmos-audit-v1", keyId: h.keyId, size: h.size, root: h.root, time: h.time });
}

const enc = new TextEncoder();
interface Row { idx: number; entry: string; leaf: Uint8Array; nodes: Uint8Array; mac: Uint8Array }
interface HeadRow { size: number; root: Uint8Array; time: string; key_id: string; signature: Uint8Array }

export class AuditLedger {
  readonly db: Db;
  readonly keys: LedgerKeys;
  private readonly signEvery: number;
  private readonly now: () => Date;
  private frontierOrUndefined: Frontier | undefined;
  private readonly stmts;
  private readonly walSync: WalSync;

  private constructor(db: Db, opts: LedgerOptions) {
    this.db = db;
    this.keys = opts.keys;
    this.signEvery = opts.signEvery ?? 256;
    this.now = opts.now ?? (() => new Date());
    this.walSync = WalSync.for(db);
    if (!Number.isSafeInteger(this.signEvery) || this.signEvery < 0) throw new InvalidArgumentError("signEvery", "must be an integer ≥ 0");
    this.stmts = {
      count: db.prepare("SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM audit_entries").pluck(),
      insert: db.prepare("INSERT INTO audit_entries (idx, entry, leaf, nodes, mac) VALUES (?, ?, ?, ?, ?)"),
      row: db.prepare("SELECT idx, entry, leaf, nodes, mac FROM audit_entries WHERE idx = ?"),
      node: db.prepare("SELECT leaf, nodes FROM audit_entries WHERE idx = ?"),
      tail: db.prepare("SELECT idx, entry FROM audit_entries ORDER BY idx DESC LIMIT ?"),
      tailTenant: db.prepare("SELECT idx, entry FROM audit_entries WHERE json_extract(entry, '$.tenant') = ? ORDER BY idx DESC LIMIT ?"),
      insertHead: db.prepare("INSERT OR REPLACE INTO audit_heads (size, root, time, key_id, signature) VALUES (?, ?, ?, ?, ?)"),
      latestHead: db.prepare("SELECT * FROM audit_heads ORDER BY size DESC LIMIT 1"),
      head: db.prepare("SELECT * FROM audit_heads WHERE size = ?"),
      heads: db.prepare("SELECT * FROM audit_heads ORDER BY size"),
    };
    try {
      this.frontierOrUndefined = this.restoreFrontier();
    } catch {
      // Stored nodes are missing or damaged: the ledger still opens so `verify` can say where;
      // appends and proofs refuse until it is repaired.
      this.frontierOrUndefined = undefined;
    }
  }

  private get frontier(): Frontier {
    return (this.frontierOrUndefined ??= this.restoreFrontier());
  }

  private set frontier(f: Frontier) {
    this.frontierOrUndefined = f;
  }

  /** Opens the ledger in `db` (migrating its tables) and restores the frontier from the stored nodes. */
  static open(db: Db, opts: LedgerOptions): AuditLedger {
    migrateAudit(db);
    return new AuditLedger(db, opts);
  }

  /** Entries stored (the highest index + 1). */
  get size(): number {
    return this.frontierOrUndefined?.size ?? (this.stmts.count.get() as number);
  }

  /** Stored hash of a perfect subtree (level 0 = leaf). */
  readonly node: PerfectHash = (level, index) => {
    const last = (index + 1) * 2 ** level - 1;
    const row = this.stmts.node.get(last) as { leaf: Uint8Array; nodes: Uint8Array } | undefined;
    const h = row && (level === 0 ? row.leaf : row.nodes.subarray((level - 1) * 32, level * 32));
    if (!h || h.length !== 32) throw new CorruptFileError(this.db.name, `audit ledger lacks the subtree hash at level ${level} index ${index}; run 'llmos audit verify'`);
    return h;
  };

  private restoreFrontier(): Frontier {
    return Frontier.restore(this.stmts.count.get() as number, this.node);
  }

  /** Appends one event; returns after it is committed to disk. */
  append(event: AuditEvent): AppendResult {
    return this.appendBatch([event])[0]!;
  }

  /**
   * Appends one event for the request path: on return it is committed (every reader sees it and it
   * survives a crash of this process, as with append()); its fdatasync runs off this thread and is
   * shared with the appends around it (group commit), so it survives a power loss once `flush()`
   * resolves, a few milliseconds later. A failed fdatasync makes every later append fail.
   */
  appendGrouped(event: AuditEvent): AppendResult {
    return this.walSync.commit(this.db, () => this.appendBatch([event])[0]!);
  }

  /** Resolves when every appendGrouped() so far is on disk. */
  flush(): Promise<void> {
    return this.walSync.flush();
  }

  /** Appends several events in one transaction (one fsync): all or none are stored. */
  appendBatch(events: readonly AuditEvent[]): AppendResult[] {
    for (const e of events) checkEvent(e);
    try {
      // Built once: better-sqlite3 compiles BEGIN/COMMIT/ROLLBACK for every transaction() it makes.
      this.insertAll ??= this.db.transaction((batch: readonly AuditEvent[]) => this.insertEvents(batch));
      return this.insertAll.immediate(events);
    } catch (e) {
      this.frontierOrUndefined = undefined; // the transaction rolled back: rebuild the frontier on next use
      throw e;
    }
  }

  private insertAll: Transaction<(batch: readonly AuditEvent[]) => AppendResult[]> | undefined;

  /** The body of appendBatch's transaction. */
  private insertEvents(events: readonly AuditEvent[]): AppendResult[] {
    // Another process (the CLI next to a running server) may have appended: catch up first.
    if ((this.stmts.count.get() as number) !== this.frontier.size) this.frontier = this.restoreFrontier();
    const out: AppendResult[] = [];
    const time = this.now().toISOString();
    for (const e of events) {
      const index = this.frontier.size;
      const stored: StoredEvent = { ...pickEvent(e), seq: index, time };
      const text = canonicalJson(stored as unknown as Parameters<typeof canonicalJson>[0]);
      const leaf = leafHash(enc.encode(text));
      const done = this.frontier.append(leaf);
      const nodes = new Uint8Array(done.length * 32);
      done.forEach((h, i) => nodes.set(h, i * 32));
      this.stmts.insert.run(index, text, leaf, nodes, this.keys.rowMac(index, leaf));
      const r: AppendResult = { index, leafHash: bytesToHex(leaf) };
      if (this.signEvery > 0 && this.frontier.size % this.signEvery === 0) r.head = this.writeHead();
      out.push(r);
    }
    return out;
  }

  private writeHead(): SignedHead {
    const h = { size: this.frontier.size, root: bytesToHex(this.frontier.root()), time: this.now().toISOString(), keyId: this.keys.keyId };
    const signature = this.keys.sign(headMessage(h));
    this.stmts.insertHead.run(h.size, Buffer.from(h.root, "hex"), h.time, h.keyId, signature);
    return { ...h, signature: bytesToHex(signature) };
  }

  /** Signs a head for the current size now (unless the latest head already covers it). */
  signHead(): SignedHead {
    return this.db.transaction(() => {
      if ((this.stmts.count.get() as number) !== this.frontier.size) this.frontier = this.restoreFrontier();
      const latest = this.latestHead();
      return latest && latest.size === this.frontier.size ? latest : this.writeHead();
    }).immediate();
  }

  latestHead(): SignedHead | undefined {
    const r = this.stmts.latestHead.get() as HeadRow | undefined;
    return r && toHead(r);
  }

  head(size: number): SignedHead | undefined {
    const r = this.stmts.head.get(size) as HeadRow | undefined;
    return r && toHead(r);
  }

  heads(): SignedHead[] {
    return (this.stmts.heads.all() as HeadRow[]).map(toHead);
  }

  /** MTH of the first `size` entries, from the stored nodes. */
  root(size = this.size): Hash {
    this.checkSize("tree_size", size, 0, this.size);
    return rangeHash(this.node, 0, size);
  }

  entry(index: number): { index: number; entry: string; leafHash: string } {
    this.checkSize("entry", index, 0, this.size - 1);
    const r = this.stmts.row.get(index) as Row | undefined;
    if (!r) throw new CorruptFileError(this.db.name, `audit entry ${index} is missing; run 'llmos audit verify'`);
    return { index, entry: r.entry, leafHash: bytesToHex(r.leaf) };
  }

  /** The newest `n` entries (of one tenant, if given), oldest first, parsed. */
  tail(n: number, tenant?: string): StoredEvent[] {
    this.checkSize("n", n, 0, 1_000_000);
    const rows = (tenant === undefined ? this.stmts.tail.all(n) : this.stmts.tailTenant.all(tenant, n)) as { idx: number; entry: string }[];
    return rows.reverse().map((r) => JSON.parse(r.entry) as StoredEvent);
  }

  /** RFC 9162 §2.1.3.1 proof for entry `index` in the tree of `size` entries (default: current size). */
  inclusionProof(index: number, size = this.size): Hash[] {
    this.checkSize("tree_size", size, 1, this.size);
    return inclusionPath(this.node, index, size);
  }

  /** RFC 9162 §2.1.4.1 proof that the tree of `first` entries is a prefix of the tree of `second`. */
  consistencyProof(first: number, second = this.size): Hash[] {
    this.checkSize("second", second, 1, this.size);
    return consistencyPath(this.node, first, second);
  }

  private checkSize(field: string, v: number, min: number, max: number): void {
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      throw new InvalidArgumentError(field, max < min ? "the audit ledger has no such entries yet" : `must be an integer in [${min}, ${max}], got ${String(v)}`);
    }
  }
}

function toHead(r: HeadRow): SignedHead {
  return { size: r.size, root: bytesToHex(r.root), time: r.time, keyId: r.key_id, signature: bytesToHex(r.signature) };
}
