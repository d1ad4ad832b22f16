// `llmos audit verify|proof|tail|head|check`: the ledger seen from the command line. Proofs are JSON
// an outside auditor checks with only the published head (`audit check` does it offline).
import { readFileSync } from "node:fs";
import { hexToBytes } from "@noble/hashes/utils.js";
import { InvalidArgumentError } from "../../errors/index.ts";
import {
  consistencyProofJson, headMessage, inclusionProofJson, leafHash, verifyConsistency, verifyHeadSignature,
  verifyInclusion, verifyLedger, withKernel,
} from "../../security/index.ts";
import { DATA_DIR_FLAG, dataDirFrom, intFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

const DIR_USAGE = "  --data-dir  the data directory (default ~/.llmos, or LLMOS_DATA_DIR); database <data-dir>/llmos.db";
const noExtra = (p: string[]) => {
  if (p.length > 0) throw new InvalidArgumentError("arguments", `unexpected '${p[0]!.slice(0, 40)}'`);
};

export const auditVerifyCommand: Command = {
  path: ["audit", "verify"],
  summary: "Recompute the audit ledger from storage and check every signed head",
  usage: [
    "llmos audit verify [--head published.json]... [--json] [--data-dir D]",
    DIR_USAGE,
    "  --head      a head published earlier ('llmos audit head'); the log must still contain it",
    "  exit 0: intact; exit 1: problems, each with its entry index",
  ].join("\n"),
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, { json: { type: "boolean" }, head: { type: "string", multiple: true }, ...DATA_DIR_FLAG });
    noExtra(positionals);
    const published = (values.head ?? []).map((f) => checkHeadShape(readJson(f, "--head")));
    const r = await withKernel(dataDirFrom(values["data-dir"]), (k) => verifyLedger(k.ledger, { published }));
    if (values.json) ctx.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      ctx.stdout.write(`${r.ok ? "ok" : "FAILED"}: ${r.entries} entries, ${r.headsChecked} signed heads, root ${r.root}\n`);
      for (const p of r.problems) ctx.stdout.write(`  ${p.kind.padEnd(9)} ${String(p.index).padStart(8)}  ${p.message}\n`);
      if (r.problemCount > r.problems.length) ctx.stdout.write(`  … and ${r.problemCount - r.problems.length} more\n`);
    }
    return r.ok ? 0 : 1;
  },
};

export const auditProofCommand: Command = {
  path: ["audit", "proof"],
  summary: "Print an inclusion or consistency proof (RFC 9162) as JSON",
  usage: [
    "llmos audit proof --entry N [--size S] [--data-dir D]      inclusion of entry N in the signed tree of size S (default: latest head)",
    "llmos audit proof --consistency A [B] [--data-dir D]       the tree of size A is a prefix of the signed tree of size B",
    DIR_USAGE,
  ].join("\n"),
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, { entry: { type: "string" }, size: { type: "string" }, consistency: { type: "string" }, ...DATA_DIR_FLAG });
    if ((values.entry === undefined) === (values.consistency === undefined)) throw new InvalidArgumentError("arguments", "give either --entry N or --consistency A [B]");
    const dir = dataDirFrom(values["data-dir"]);
    let out: unknown;
    if (values.entry !== undefined) {
      noExtra(positionals);
      const entry = intFlag("entry", values.entry, 0)!;
      const size = intFlag("size", values.size, 1);
      out = await withKernel(dir, (k) => inclusionProofJson(k.ledger, entry, size));
    } else {
      if (values.size !== undefined) throw new InvalidArgumentError("--size", "goes with --entry; give the second size after --consistency A");
      if (positionals.length > 1) throw new InvalidArgumentError("arguments", `unexpected '${positionals[1]!.slice(0, 40)}'`);
      const a = intFlag("consistency", values.consistency, 1)!;
      const b = intFlag("consistency", positionals[0], 1);
      out = await withKernel(dir, (k) => consistencyProofJson(k.ledger, a, b));
    }
    ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  },
};

export const auditTailCommand: Command = {
  path: ["audit", "tail"],
  summary: "Show the most recent audit events",
  usage: ["llmos audit tail [-n 20] [--json] [--data-dir D]", DIR_USAGE].join("\n"),
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, { n: { type: "string", short: "n" }, json: { type: "boolean" }, ...DATA_DIR_FLAG });
    noExtra(positionals);
    const n = intFlag("n", values.n, 1) ?? 20;
    if (n > 100_000) throw new InvalidArgumentError("-n", "must be at most 100000");
    const events = await withKernel(dataDirFrom(values["data-dir"]), (k) => k.ledger.tail(n));
    for (const e of events) {
      if (values.json) ctx.stdout.write(`${JSON.stringify(e)}\n`);
      else {
        const extra = [e.clause && `clause=${e.clause}`, e.epsilon !== undefined && `ε=${e.epsilon}`].filter(Boolean).join(" ");
        ctx.stdout.write(`${String(e.seq).padStart(8)}  ${e.time}  ${e.decision.padEnd(5)}  ${e.who}  ${e.action}  ${e.resource}  tenant=${e.tenant}${extra ? `  ${extra}` : ""}\n`);
      }
    }
    return 0;
  },
};

export const auditHeadCommand: Command = {
  path: ["audit", "head"],
  summary: "Sign and print the current tree head with the public key (publish it)",
  usage: ["llmos audit head [--data-dir D]", DIR_USAGE].join("\n"),
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, { ...DATA_DIR_FLAG });
    noExtra(positionals);
    const head = await withKernel(dataDirFrom(values["data-dir"]), (k) => ({ ...k.ledger.signHead(), publicKey: Buffer.from(k.ledger.keys.publicKey).toString("hex") }));
    ctx.stdout.write(`${JSON.stringify(head, null, 2)}\n`);
    return 0;
  },
};

interface HeadJson { size: number; root: string; time: string; keyId: string; signature: string; publicKey: string }

function readJson(file: string, what: string): Record<string, unknown> {
  try {
    const v = JSON.parse(readFileSync(file, "utf8")) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    return v as Record<string, unknown>;
  } catch (cause) {
    throw new InvalidArgumentError(what, "is not a readable JSON object file", { cause });
  }
}

function checkHeadShape(h: Record<string, unknown>): HeadJson {
  if (!Number.isSafeInteger(h.size) || (h.size as number) < 0) throw new InvalidArgumentError("head.size", "must be an integer ≥ 0");
  for (const f of ["root", "signature", "publicKey", "keyId", "time"] as const) {
    if (typeof h[f] !== "string" || (h[f] as string).length > 200) throw new InvalidArgumentError(`head.${f}`, "must be a string");
  }
  for (const f of ["root", "signature", "publicKey"] as const) if (!/^[0-9a-f]+$/.test(h[f] as string)) throw new InvalidArgumentError(`head.${f}`, "must be lower-case hex");
  return h as unknown as HeadJson;
}

/** Offline check of a proof file against a published head file: needs no database. */
export function checkProofDocument(proof: Record<string, unknown>, published: HeadJson): string {
  const hex = (v: unknown, what: string) => {
    if (typeof v !== "string" || !/^[0-9a-f]*$/.test(v) || v.length % 2) throw new InvalidArgumentError(what, "must be lower-case hex");
    return hexToBytes(v);
  };
  const path = (v: unknown) => {
    if (!Array.isArray(v) || v.length > 64) throw new InvalidArgumentError("path", "must be an array of at most 64 hex hashes");
    return v.map((x, i) => hex(x, `path[${i}]`));
  };
  if (!verifyHeadSignature(headMessage(published), hex(published.signature, "head.signature"), hex(published.publicKey, "head.publicKey"))) {
    throw new InvalidArgumentError("head", "signature does not verify with its public key");
  }
  const root = hex(published.root, "head.root");
  if (proof.type === "inclusion") {
    if (proof.tree_size !== published.size) throw new InvalidArgumentError("tree_size", `proof is for size ${String(proof.tree_size)}, the head for ${published.size}`);
    const leaf = typeof proof.entry === "string" ? leafHash(new TextEncoder().encode(proof.entry)) : hex(proof.leaf_hash, "leaf_hash");
    if (!verifyInclusion(leaf, Number(proof.leaf_index), published.size, path(proof.path), root)) throw new InvalidArgumentError("proof", "inclusion proof does not lead to the head's root");
    return `entry ${String(proof.leaf_index)} is in the signed tree of size ${published.size}`;
  }
  if (proof.type === "consistency") {
    if (proof.second !== published.size) throw new InvalidArgumentError("second", `proof is for size ${String(proof.second)}, the head for ${published.size}`);
    const first = Number(proof.first);
    if (!verifyConsistency(first, published.size, hex(proof.first_root, "first_root"), root, path(proof.path))) throw new InvalidArgumentError("proof", "consistency proof does not hold");
    return `the tree of size ${first} (root ${String(proof.first_root)}) is a prefix of the signed tree of size ${published.size}`;
  }
  throw new InvalidArgumentError("type", "must be 'inclusion' or 'consistency'");
}

export const auditCheckCommand: Command = {
  path: ["audit", "check"],
  summary: "Check a proof file against a published head file, offline",
  usage: "llmos audit check <proof.json> --head <head.json>   (head as printed by 'llmos audit head' or a proof's 'head')",
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, { head: { type: "string" } });
    if (positionals.length !== 1 || !values.head) throw new InvalidArgumentError("arguments", "give one proof file and --head <file>");
    ctx.stdout.write(`ok: ${checkProofDocument(readJson(positionals[0]!, "proof"), checkHeadShape(readJson(values.head, "--head")))}\n`);
    return 0;
  },
};

export const auditCommands: Command[] = [auditVerifyCommand, auditProofCommand, auditTailCommand, auditHeadCommand, auditCheckCommand];
