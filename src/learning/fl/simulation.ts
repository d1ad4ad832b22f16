// Simulation mode: many virtual sites in one process (experiments and benchmarks), with the same
// local training, strategies and — if asked — the real secure-aggregation state machines.
import { randomInt } from "node:crypto";
import type { LlamaConfig } from "../../engine/model/index.ts";
import { checkQuantization, secAggPlusDegree, simulateRound } from "../secagg/index.ts";
import type { LocalConfig } from "./config.ts";
import { noisyMean } from "./dp.ts";
import { trainLocally, type LocalData } from "./local-train.ts";
import { decodeSecureSum, encodeSecureUpdate, type SecureEncoding } from "./secure-update.ts";
import { aggregate, aggregateMean, getStrategy, type ClientUpdate, type ServerState, type StrategyOptions } from "./strategy.ts";
import { clipL2 } from "./vector.ts";

export interface SimulatedSite {
  name: string;
  data: LocalData;
}

export interface SimulationOptions {
  config: LlamaConfig;
  initial: Float32Array;
  sites: SimulatedSite[];
  rounds: number;
  fraction: number;
  minSites: number;
  strategy: string;
  strategyOptions?: StrategyOptions;
  local: LocalConfig;
  secagg?: { mode: "full" | "plus"; clip: number; fracBits: number; examplesCap: number };
  dp?: { clip: number; noiseMultiplier: number };
  /** Called after each round with the new global model; return true to stop early. */
  onRound?: (round: number, global: Float32Array) => boolean | void | Promise<boolean | void>;
}

export interface SimulatedRound {
  round: number;
  sites: string[];
  meanLossBefore: number;
  meanLossAfter: number;
}

export async function simulateFederation(o: SimulationOptions): Promise<{ global: Float32Array; rounds: SimulatedRound[] }> {
  const spec = getStrategy(o.strategy);
  let global = o.initial;
  let state: ServerState = { round: 0 };
  const out: SimulatedRound[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    const k = Math.min(o.sites.length, Math.max(o.minSites, Math.ceil(o.fraction * o.sites.length)));
    const pool = [...o.sites];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    const chosen = pool.slice(0, k);
    const updates: ClientUpdate[] = [];
    let lb = 0;
    let la = 0;
    for (const s of chosen) {
      const r = await trainLocally(o.config, global, s.data, o.local, spec.clientUpdate, round);
      updates.push({ delta: r.delta, examples: r.examples });
      lb += r.lossBefore / k;
      la += r.lossAfter / k;
    }
    if (o.secagg) {
      const enc: SecureEncoding = { bound: Math.max(o.secagg.clip, 1), fracBits: o.secagg.fracBits, clip: o.dp?.clip ?? o.secagg.clip, examplesCap: o.secagg.examplesCap, uniformWeights: o.dp !== undefined };
      checkQuantization(enc, k);
      const names = chosen.map((s) => s.name);
      const hood = o.secagg.mode === "plus" ? Math.min(k, secAggPlusDegree(k) + 1) : k;
      const inputs = new Map(names.map((n, i) => [n, encodeSecureUpdate(updates[i]!.delta, updates[i]!.examples, enc)]));
      const { result } = simulateRound({ roundId: `sim-${round}`, sites: names, mode: o.secagg.mode, threshold: Math.max(2, Math.floor(hood / 2) + 1), vectorLength: global.length + 1 }, inputs);
      const d = decodeSecureSum(result.sum, enc);
      const mean = o.dp ? noisyMean(d.sum, result.survivors.length, o.dp.clip, o.dp.noiseMultiplier) : d.sum.map((x) => x / d.weight);
      ({ global, state } = aggregateMean(spec.name, global, mean, state, o.strategyOptions));
    } else if (o.dp) {
      const sum = new Float32Array(global.length);
      for (const u of updates) clipL2(u.delta, o.dp.clip).forEach((x, i) => (sum[i]! += x));
      ({ global, state } = aggregateMean(spec.name, global, noisyMean(sum, updates.length, o.dp.clip, o.dp.noiseMultiplier), state, o.strategyOptions));
    } else {
      ({ global, state } = aggregate(spec.name, global, updates, state, o.strategyOptions));
    }
    out.push({ round, sites: chosen.map((s) => s.name), meanLossBefore: lb, meanLossAfter: la });
    if (await o.onRound?.(round, global)) break;
  }
  return { global, rounds: out };
}
