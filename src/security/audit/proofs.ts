// Proofs as JSON an outside auditor checks with only a published signed head and RFC 9162
// §2.1.3.2 / §2.1.4.2: hex hashes, the signed head they lead to, and the head's public key.
import { bytesToHex } from "@noble/hashes/utils.js";
import { InvalidArgumentError } from "../../errors/index.ts";
import type { AuditLedger, SignedHead } from "./ledger.ts";

export interface PublishedHead extends SignedHead {
  publicKey: string;
}

export interface InclusionProofJson {
  type: "inclusion";
  leaf_index: number;
  tree_size: number;
  /** The entry's canonical JSON: leaf_hash = SHA-256(0x00 || UTF-8(entry)). */
  entry: string;
  leaf_hash: string;
  root_hash: string;
  path: string[];
  head: PublishedHead;
}

export interface ConsistencyProofJson {
  type: "consistency";
  first: number;
  second: number;
  first_root: string;
  second_root: string;
  path: string[];
  first_head?: PublishedHead;
  second_head: PublishedHead;
}

/** The head a proof ends at: the given size (it must be signed), else the latest head, signing one on demand. */
function headFor(ledger: AuditLedger, size: number | undefined, atLeast: number): SignedHead {
  if (size !== undefined) {
    const h = ledger.head(size);
    if (!h) throw new InvalidArgumentError("tree_size", `no signed head at size ${size}; signed sizes: ${ledger.heads().map((x) => x.size).slice(-10).join(", ") || "none"}`);
    return h;
  }
  const latest = ledger.latestHead();
  return latest && latest.size >= atLeast ? latest : ledger.signHead();
}

const publish = (ledger: AuditLedger, h: SignedHead): PublishedHead => ({ ...h, publicKey: bytesToHex(ledger.keys.publicKey) });

export function inclusionProofJson(ledger: AuditLedger, index: number, size?: number): InclusionProofJson {
  if (!Number.isSafeInteger(index) || index < 0 || index >= ledger.size) {
    throw new InvalidArgumentError("entry", `must be an entry index in [0, ${ledger.size - 1}], got ${String(index)}`);
  }
  const head = headFor(ledger, size, index + 1);
  if (index >= head.size) throw new InvalidArgumentError("entry", `entry ${index} is not in the tree of size ${head.size}`);
  const e = ledger.entry(index);
  return {
    type: "inclusion", leaf_index: index, tree_size: head.size, entry: e.entry, leaf_hash: e.leafHash, root_hash: head.root,
    path: ledger.inclusionProof(index, head.size).map(bytesToHex), head: publish(ledger, head),
  };
}

export function consistencyProofJson(ledger: AuditLedger, first: number, second?: number): ConsistencyProofJson {
  if (!Number.isSafeInteger(first) || first < 1 || first > ledger.size) {
    throw new InvalidArgumentError("first", `must be a tree size in [1, ${ledger.size}], got ${String(first)}`);
  }
  const head = headFor(ledger, second, first);
  if (first > head.size) throw new InvalidArgumentError("first", `must be at most the second size ${head.size}`);
  const firstHead = ledger.head(first);
  const out: ConsistencyProofJson = {
    type: "consistency", first, second: head.size, first_root: bytesToHex(ledger.root(first)), second_root: head.root,
    path: ledger.consistencyProof(first, head.size).map(bytesToHex), second_head: publish(ledger, head),
  };
  if (firstHead) out.first_head = publish(ledger, firstHead);
  return out;
}
