// Size of the intersection of the input parties' sets. Each party hashes its items (SHA-256) into a
// public number of bins and shares the 0/1 indicator vector; the product over parties (Beaver) is 1
// exactly in bins every party filled, and only the sum is revealed. Hash collisions can only add to
// the count: with sets of size s_i in B bins the expected excess is about Π s_i / B^(parties-1).
import { createHash } from "node:crypto";
import { z } from "zod";
import { InvalidArgumentError } from "../../../errors/index.ts";
import { mod } from "../field.ts";
import { decodeInt } from "../fixed.ts";
import type { Job } from "../job.ts";
import type { Session, Shared } from "../session.ts";

export const itemsInput = z.array(z.union([z.string().max(4096), z.number().finite()])).max(1_000_000);

export function binOf(item: string | number, bins: number): number {
  const d = createHash("sha256").update(`${typeof item}:${String(item)}`).digest();
  return Number(d.readBigUInt64BE(0) % BigInt(bins));
}

export async function secureIntersectionSize(s: Session, job: Extract<Job, { protocol: "intersection-size" }>, input: (string | number)[] | null) {
  const bins = job.params.bins;
  let mine: bigint[] | null = null;
  if (input) {
    mine = new Array<bigint>(bins).fill(0n);
    for (const item of input) mine[binOf(item, bins)] = 1n;
  }
  let product: Shared | null = null;
  for (const owner of job.inputs) {
    const share = await s.input(owner, s.id === owner ? mine : null);
    if (share.length !== bins) throw new InvalidArgumentError(`input of party ${owner}`, `has ${share.length} bins, the job expects ${bins}`);
    product = product ? await s.mul(product, share) : share;
  }
  let acc = 0n;
  for (const v of product!) acc += v;
  const out = await s.revealTo([mod(acc)], job.outputTo);
  return out && { size: decodeInt(out)[0]!, bins };
}
