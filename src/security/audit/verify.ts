// `audit verify`: recomputes every leaf, row MAC, stored subtree hash and root from storage and
// checks every signed head, reporting each changed, deleted, inserted or reordered entry by index.
import { bytesToHex } from "@noble/hashes/utils.js";
import { Frontier } from "./frontier.ts";
import { headMessage, type AuditLedger, type SignedHead } from "./ledger.ts";
import { verifyHeadSignature } from "./keys.ts";
import { hashEquals, leafHash } from "./merkle.ts";

export type ProblemKind = "changed" | "deleted" | "inserted" | "reordered" | "head";

export interface VerifyProblem {
  kind: ProblemKind;
  /** The entry index (for "head": the head's tree size). */
  index: number;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  entries: number;
  /** Hex root recomputed over the entries as stored. */
  root: string;
  headsChecked: number;
  /** The first MAX_LISTED problems, in index order of discovery. */
  problems: VerifyProblem[];
  problemCount: number;
}

const MAX_LISTED = 1000;
const enc = new TextEncoder();
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

export interface VerifyOptions {
  /**
   * Heads published earlier (kept outside this machine), checked with their own public key: they
   * catch a rewrite by someone who also holds the signing key, or a truncation with its heads removed.
   */
  published?: (SignedHead & { publicKey: string })[];
}

export function verifyLedger(ledger: AuditLedger, opts: VerifyOptions = {}): VerifyReport {
  const { db, keys } = ledger;
  const problems: VerifyProblem[] = [];
  let problemCount = 0;
  const report = (kind: ProblemKind, index: number, message: string) => {
    problemCount++;
    if (problems.length < MAX_LISTED) problems.push({ kind, index, message });
  };
  const external = new Set<SignedHead>(opts.published ?? []);
  const heads: SignedHead[] = [...ledger.heads(), ...external].sort((a, b) => a.size - b.size);
  let nextHead = 0;
  const frontier = new Frontier();
  // Stored subtree hashes are compared only while every stored leaf hash so far is right (then the
  // recomputed tree is the stored one), so one edited entry is reported once, not at every node above it.
  let storedLeavesIntact = true;
  const seen = new Set<number>();
  const forged = new Set<number>();
  const moved = new Map<number, number>(); // idx → the genuine entry found there when it is not its own
  const deleted = new Set<number>();
  let lastGenuine = -1;
  let maxSeq = -1;
  let expected = 0;
  let maxIdx = -1;
  let structural = false; // once rows are missing or moved, stored subtree hashes no longer line up

  // The root is folded only at sizes that have a signed head: folding at every row would cost
  // O(log n) hashes per entry.
  const checkHeadsUpTo = (size: number, root: () => Uint8Array) => {
    while (nextHead < heads.length && heads[nextHead]!.size <= size) {
      const h = heads[nextHead++]!;
      if (h.size === size) checkHead(h, root());
    }
  };
  const checkHead = (h: SignedHead, root: Uint8Array | undefined) => {
    const pub = external.has(h) ? Buffer.from((h as SignedHead & { publicKey: string }).publicKey, "hex") : keys.publicKey;
    const keyOk = external.has(h) || h.keyId === keys.keyId;
    if (!keyOk || !verifyHeadSignature(headMessage(h), Buffer.from(h.signature, "hex"), pub)) {
      report("head", h.size, `${external.has(h) ? "published" : "signed"} head at size ${h.size} has a bad signature`);
    } else if (root && bytesToHex(root) !== h.root) {
      report("head", h.size, `${external.has(h) ? "published" : "signed"} head at size ${h.size} does not match the entries: one of entries 0..${h.size - 1} was altered`);
    }
  };
  checkHeadsUpTo(0, () => frontier.root());

  const rows = db.prepare("SELECT idx, entry, leaf, nodes, mac FROM audit_entries ORDER BY idx").iterate() as IterableIterator<Record<string, unknown>>;
  for (const row of rows) {
    const idx = Number(row.idx);
    maxIdx = idx;
    if (idx > expected) {
      structural = true;
      for (let i = expected; i < idx; i++) {
        deleted.add(i);
        report("deleted", i, `entry ${i} is missing`);
      }
    }
    expected = idx + 1;
    const text = typeof row.entry === "string" ? row.entry : String(row.entry);
    const leaf = leafHash(enc.encode(text));
    let seq = -1;
    try {
      const parsed = JSON.parse(text) as { seq?: unknown };
      if (typeof parsed.seq === "number" && Number.isSafeInteger(parsed.seq)) seq = parsed.seq;
    } catch {
      // unparseable content: the MAC checks below classify it
    }
    const mac = isBytes(row.mac) ? row.mac : new Uint8Array(0);
    if (seq >= 0 && keys.checkRowMac(seq, leaf, mac)) {
      if (seen.has(seq)) report("inserted", idx, `entry ${idx} is a second copy of entry ${seq}`);
      else if (seq !== idx) {
        structural = true;
        moved.set(idx, seq);
        report("reordered", idx, `index ${idx} holds entry ${seq}`);
      }
      seen.add(seq);
      lastGenuine = idx;
      if (seq > maxSeq) maxSeq = seq;
    } else if (isBytes(row.leaf) && keys.checkRowMac(idx, row.leaf, mac)) {
      report("changed", idx, `entry ${idx} was changed after it was written`);
    } else {
      forged.add(idx);
    }
    // Recompute the tree over the rows as stored; compare the stored subtree hashes while aligned.
    const done = frontier.append(leaf);
    const stored = isBytes(row.leaf) && row.leaf.length === 32 ? row.leaf : new Uint8Array(32);
    if (!structural && storedLeavesIntact) {
      const nodes = isBytes(row.nodes) ? row.nodes : new Uint8Array(0);
      const nodesOk = nodes.length === done.length * 32 && done.every((h, i) => hashEquals(h, nodes.subarray(i * 32, i * 32 + 32)));
      const leafOk = hashEquals(stored, leaf);
      if ((!leafOk || !nodesOk) && !forged.has(idx) && problems.at(-1)?.index !== idx) {
        report("changed", idx, `stored hashes of entry ${idx} were altered`);
      }
      if (!leafOk) storedLeavesIntact = false;
    }
    if (nextHead < heads.length && heads[nextHead]!.size <= frontier.size) checkHeadsUpTo(frontier.size, () => frontier.root());
  }

  // A forged row followed by a shifted genuine one was inserted; at the end it was appended around
  // the ledger; otherwise it replaced the row at its index.
  for (const idx of forged) {
    const inserted = idx > lastGenuine || moved.get(idx + 1) === idx;
    report(inserted ? "inserted" : "changed", idx, inserted ? `entry ${idx} was not written by this ledger` : `entry ${idx} was replaced`);
  }
  // Genuine entries that are nowhere to be found (rows deleted and the rest renumbered).
  if (structural) {
    for (let s = 0; s <= Math.max(maxSeq, maxIdx); s++) {
      if (!seen.has(s) && !forged.has(s) && !deleted.has(s)) report("deleted", s, `entry ${s} is missing`);
    }
  }
  // Heads beyond the stored entries: the log was truncated.
  for (; nextHead < heads.length; nextHead++) {
    const h = heads[nextHead]!;
    checkHead(h, undefined);
    if (h.size > frontier.size) report("deleted", frontier.size, `signed head at size ${h.size} covers entries ${frontier.size}..${h.size - 1}, which are missing`);
  }
  problems.sort((a, b) => a.index - b.index);
  return { ok: problemCount === 0, entries: frontier.size, root: bytesToHex(frontier.root()), headsChecked: heads.length, problems, problemCount };
}
