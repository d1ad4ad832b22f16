// Statistics over the parties' private values: sum (elementwise), mean, variance, histogram. Each
// party reduces its own values locally (no privacy cost), shares the aggregates, and only the job's
// output parties receive the opened totals; the totals are in one-to-one correspondence with the output.
import { z } from "zod";
import { InvalidArgumentError } from "../../../errors/index.ts";
import { decodeFixed, decodeInt, encodeFixed, encodeInt, inputLimit } from "../fixed.ts";
import type { Job } from "../job.ts";
import type { Session, Shared } from "../session.ts";

export const valuesInput = z.array(z.number().finite()).max(10_000_000);

/** Shares each input party's vector (in job order) and sums them; receivers check lengths agree. */
export async function sumInputs(s: Session, job: Job, mine: bigint[] | null, length: number): Promise<Shared> {
  let total: Shared | null = null;
  for (const owner of job.inputs) {
    const share = await s.input(owner, s.id === owner ? mine : null);
    if (share.length !== length) throw new InvalidArgumentError(`input of party ${owner}`, `has ${share.length} entries, the job expects ${length}`);
    total = total ? s.add(total, share) : share;
  }
  return total!;
}

// Sums of fixed-point values are only added and revealed, never compared: they may use the wide range.
const WIDE = 2 ** 80;

export async function secureSum(s: Session, job: Extract<Job, { protocol: "sum" }>, input: number[] | null) {
  const mine = input ? encodeFixed(input, "values") : null;
  if (mine && mine.length !== job.params.length) throw new InvalidArgumentError("values", `has ${mine.length} entries, the job expects ${job.params.length}`);
  const total = await sumInputs(s, job, mine, job.params.length);
  const out = await s.revealTo(total, job.outputTo);
  return out && { sum: decodeFixed(out, s.fixed) };
}

function localMoments(values: number[], field: string, n: number): { sum: number; sq: number } {
  const limit = inputLimit();
  let sum = 0;
  let sq = 0;
  for (const v of values) {
    if (Math.abs(v) >= limit) throw new InvalidArgumentError(field, `values must satisfy |x| < ${limit}`);
    sum += v;
    sq += v * v;
  }
  if (Math.abs(sq) >= WIDE / n) throw new InvalidArgumentError(field, "sum of squares exceeds the fixed-point range; rescale the values");
  return { sum, sq };
}

export async function secureMean(s: Session, job: Extract<Job, { protocol: "mean" | "variance" }>, input: number[] | null) {
  const m = input ? localMoments(input, "values", s.n) : null;
  const mine = m && input ? [...encodeFixed([m.sum, m.sq], "values", s.fixed, WIDE / s.n), ...encodeInt([input.length], "values")] : null;
  const total = await sumInputs(s, job, mine, 3);
  // Opened: (Σx, Σx², N). With N public to the output parties these are equivalent to (mean, variance, N).
  const out = await s.revealTo(job.protocol === "mean" ? [total[0]!, total[2]!] : total, job.outputTo);
  if (!out) return null;
  const [sum] = decodeFixed([out[0]!], s.fixed);
  const count = decodeInt([out[out.length - 1]!])[0]!;
  if (count === 0) throw new InvalidArgumentError("values", "no party provided any value");
  const mean = sum! / count;
  if (job.protocol === "mean") return { mean, count };
  const [sq] = decodeFixed([out[1]!], s.fixed);
  // Population variance E[x²] − E[x]², clamped at 0 against rounding.
  return { mean, variance: Math.max(0, sq! / count - mean * mean), count };
}

export function histogramCounts(values: number[], edges: number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const v of values) {
    if (v < edges[0]! || v > edges[edges.length - 1]!) continue;
    // Bins are [e_i, e_{i+1}), the last one closed.
    let lo = 0;
    let hi = edges.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (v >= edges[mid]!) lo = mid;
      else hi = mid;
    }
    counts[lo]!++;
  }
  return counts;
}

export async function secureHistogram(s: Session, job: Extract<Job, { protocol: "histogram" }>, input: number[] | null) {
  const bins = job.params.edges.length - 1;
  const mine = input ? encodeInt(histogramCounts(input, job.params.edges)) : null;
  const out = await s.revealTo(await sumInputs(s, job, mine, bins), job.outputTo);
  return out && { counts: decodeInt(out), edges: job.params.edges };
}
