// Who shares with whom. Full SecAgg (Bonawitz et al. 2017): everybody with everybody. SecAgg+ (Bell
// et al. CCS 2020, §3): a random k-regular graph with k = O(log n) — a Harary graph H(k, n) on a random
// relabelling of the sites — so client cost and bytes grow with log n instead of n.
import { randomInt } from "node:crypto";
import { InvalidArgumentError } from "../../errors/index.ts";

export type Graph = Map<string, string[]>;

export function completeGraph(sites: string[]): Graph {
  return new Map(sites.map((s) => [s, sites.filter((o) => o !== s)]));
}

/** Neighbour count for SecAgg+: the smallest even k ≥ c·log₂ n, at most n − 1 (Bell et al. take k = O(log n)). */
export function secAggPlusDegree(n: number, c = 3): number {
  if (n <= 1) return 0;
  let k = Math.ceil(c * Math.log2(n));
  if (k % 2 === 1) k += 1;
  return Math.min(n - 1, k);
}

/** H(k, n) on a random order of the sites (CSPRNG Fisher–Yates); k even, each site joined to k/2 on each side. */
export function harary(sites: string[], k: number): Graph {
  const n = sites.length;
  if (k >= n - 1) return completeGraph(sites);
  if (!Number.isInteger(k) || k < 2 || k % 2 === 1) throw new InvalidArgumentError("secagg.neighbours", `must be an even integer ≥ 2, got ${k}`);
  const order = [...sites];
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const g: Graph = new Map();
  order.forEach((s, i) => {
    const ns: string[] = [];
    for (let d = 1; d <= k / 2; d++) ns.push(order[(i + d) % n]!, order[(i - d + n) % n]!);
    g.set(s, ns.sort());
  });
  return g;
}
