// One federated round at the coordinator: hand the global model to the selected sites, drive the
// secure-aggregation stages (a stage closes when every site answered, disconnected, or timed out —
// then the silent ones count as dropped), decode the sum, add DP noise if asked, apply the strategy.
import { createHash } from "node:crypto";
import { LlmosError } from "../../errors/index.ts";
import { ProtocolError, RoundAbortedError, SecAggServer, checkQuantization, secAggPlusDegree, type RoundParams, type SecAggResult } from "../secagg/index.ts";
import type { Coordinator } from "./coordinator.ts";
import { noisyMean } from "./dp.ts";
import { decodeSecureSum, type SecureEncoding } from "./secure-update.ts";
import { aggregate, aggregateMean, getStrategy, type AggregateResult, type ClientUpdate } from "./strategy.ts";
import { clipL2 } from "./vector.ts";
import { WIRE_VERSION, b64ToF32, f32ToB64, type SiteMetrics, type Submit } from "./wire.ts";

export interface RoundRecord {
  round: number;
  roundId: string;
  selected: string[];
  survivors: string[];
  /** Selected sites whose input is not in the aggregate. */
  dropped: string[];
  /** Dropped after sharing keys: their pairwise masks were removed by reconstructing their keys. */
  recovered: string[];
  aborted?: string;
  secureAggregation: boolean;
  /** sha256 of each masked (or plain) update as received: commitments for the audit ledger. */
  commitments: Record<string, string>;
  aggregateSha256?: string;
  meanLossBefore?: number;
  meanLossAfter?: number;
  ms: number;
  modelSha256?: string;
  /** Noise multiplier the released aggregate actually carries (DP rounds). */
  noiseMultiplier?: number;
  /** Client-level (ε, δ) spent by the federation up to and including this round. */
  dp?: { epsilon: number; delta: number; samplingRate: number; noiseMultiplier: number };
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export class OpenRound {
  secagg?: SecAggServer;
  readonly updates = new Map<string, ClientUpdate>();
  readonly metrics = new Map<string, SiteMetrics>();
  readonly commitments: Record<string, string> = {};

  constructor(readonly roundId: string, readonly selected: Set<string>, readonly vectorLength: number) {}

  accept(m: Submit): void {
    if (!this.selected.has(m.site)) throw new LlmosError("stale_message", 409, "this site was not selected for the round");
    if (m.type === "update") {
      if (this.secagg) throw new LlmosError("malformed_message", 400, "this round uses secure aggregation; send secagg messages, not a plain update");
      if (this.updates.has(m.site)) throw new LlmosError("stale_message", 409, "duplicate update for this round");
      const delta = b64ToF32(m.delta);
      if (delta.length !== this.vectorLength) throw new LlmosError("malformed_message", 400, `update has ${delta.length} values, the model has ${this.vectorLength}`);
      this.updates.set(m.site, { delta, examples: Math.max(1, m.metrics.examples) });
      this.metrics.set(m.site, m.metrics);
      this.commitments[m.site] = sha(new Uint8Array(delta.buffer));
      return;
    }
    if (!this.secagg) throw new LlmosError("malformed_message", 400, "this round takes plain updates, not secure aggregation");
    if (m.msg.site !== m.site) throw new LlmosError("forbidden", 403, "the inner message names another site");
    try {
      this.secagg.receive(m.msg);
    } catch (e) {
      if (e instanceof ProtocolError) throw new LlmosError("stale_message", 409, e.message);
      throw e;
    }
    if (m.msg.type === "secagg/masked") this.commitments[m.site] = sha(Buffer.from(m.msg.masked, "base64"));
    if (m.metrics) this.metrics.set(m.site, m.metrics);
  }
}

export async function runRound(coord: Coordinator, round: number, roundId: string, selected: string[]): Promise<RoundRecord> {
  const c = coord.config;
  const t0 = Date.now();
  const strategy = getStrategy(c.strategy.name);
  const P = coord.global.length;
  const dp = c.dp.enabled;
  const clip = dp ? c.dp.clip : c.secagg.clip;
  const distributed = dp && c.dp.placement === "distributed";
  const enc: SecureEncoding = { bound: Math.max(clip, 1), fracBits: c.secagg.fracBits, clip, examplesCap: c.secagg.examplesCap, uniformWeights: dp, noiseStd: 0 };
  const open = new OpenRound(roundId, new Set(selected), P);
  const record: RoundRecord = { round, roundId, selected, survivors: [], dropped: [], recovered: [], secureAggregation: c.secagg.enabled, commitments: open.commitments, ms: 0 };
  let params: RoundParams | null = null;
  if (c.secagg.enabled) {
    const n = selected.length;
    const k = c.secagg.mode === "plus" ? c.secagg.neighbours ?? secAggPlusDegree(n) : n - 1;
    const hood = Math.min(n, k + 1);
    const threshold = c.secagg.threshold ?? Math.max(2, Math.floor(hood / 2) + 1);
    if (distributed) {
      // Every completed round has ≥ t survivors, so shares of std zC/√t sum to at least N(0, (zC)²).
      enc.noiseStd = (c.dp.noiseMultiplier * clip) / Math.sqrt(threshold);
      // Room for 8σ of a site's noise, so clamping to the encoding range practically never touches it.
      enc.bound += 8 * enc.noiseStd;
    }
    checkQuantization(enc, n);
    params = { roundId, sites: selected, mode: c.secagg.mode, threshold, vectorLength: P + 1 };
    open.secagg = new SecAggServer(params, c.secagg.mode === "plus" ? { neighbours: k } : {});
  }
  coord.current = open;
  const weights = f32ToB64(coord.global);
  const secagg = params ? { params, bound: enc.bound, fracBits: enc.fracBits, clip, examplesCap: enc.examplesCap, uniformWeights: dp, noiseStd: enc.noiseStd ?? 0 } : null;
  for (const site of selected) coord.send(site, { v: WIRE_VERSION, type: "round", round, roundId, weights, local: c.local, clientUpdate: strategy.clientUpdate, reportMetrics: !dp, secagg });
  const live = (sites: string[]) => sites.filter((s) => !coord.sites.get(s)?.gone);
  const o = { ...c.strategy };
  let result: AggregateResult | undefined;
  try {
    if (open.secagg) {
      const server = open.secagg;
      let out: SecAggResult | undefined;
      for (const stage of ["advertise", "shares", "masked", "unmask"] as const) {
        await coord.until(() => live(server.pending()).length === 0, stage === "masked" ? c.timeouts.trainMs : c.timeouts.stageMs);
        const next = server.close();
        if (next instanceof Map) for (const [site, msg] of next) coord.send(site, { v: WIRE_VERSION, type: "secagg", roundId, msg });
        else out = next;
      }
      record.survivors = out!.survivors;
      record.recovered = out!.recovered;
      record.aggregateSha256 = sha(new Uint8Array(out!.sum.buffer));
      const decoded = decodeSecureSum(out!.sum, enc);
      const mean = distributed ? decoded.sum.map((x) => x / out!.survivors.length)
        : dp ? noisyMean(decoded.sum, out!.survivors.length, clip, c.dp.noiseMultiplier)
        : decoded.sum.map((x) => x / decoded.weight);
      // Distributed noise: the survivors' shares are in the sum, so its multiplier is z·√(|U3|/t) ≥ z.
      if (dp) record.noiseMultiplier = distributed ? c.dp.noiseMultiplier * Math.sqrt(out!.survivors.length / params!.threshold) : c.dp.noiseMultiplier;
      result = aggregateMean(strategy.name, coord.global, mean, coord.state, o);
    } else {
      await coord.until(() => live(selected.filter((s) => !open.updates.has(s))).length === 0, c.timeouts.trainMs);
      const updates = [...open.updates.values()];
      record.survivors = [...open.updates.keys()].sort();
      if (updates.length < c.sampling.minSites) throw new RoundAbortedError("updates", updates.length, c.sampling.minSites);
      if (dp) {
        record.noiseMultiplier = c.dp.noiseMultiplier;
        const sum = new Float32Array(P);
        for (const u of updates) clipL2(u.delta, clip).forEach((x, i) => (sum[i]! += x));
        result = aggregateMean(strategy.name, coord.global, noisyMean(sum, updates.length, clip, c.dp.noiseMultiplier), coord.state, o);
      } else {
        result = aggregate(strategy.name, coord.global, updates, coord.state, o);
      }
      record.aggregateSha256 = sha(new Uint8Array(result.global.buffer));
    }
    coord.global = result.global;
    coord.state = result.state;
  } catch (e) {
    if (!(e instanceof RoundAbortedError)) throw e;
    record.aborted = e.message;
    record.survivors = [];
  } finally {
    coord.current = undefined;
  }
  record.dropped = selected.filter((s) => !record.survivors.includes(s));
  const ms = [...open.metrics.values()];
  const mean = (xs: (number | undefined)[]) => {
    const v = xs.filter((x): x is number => typeof x === "number");
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
  };
  const before = mean(ms.map((m) => m.lossBefore));
  const after = mean(ms.map((m) => m.lossAfter));
  if (before !== undefined) record.meanLossBefore = before;
  if (after !== undefined) record.meanLossAfter = after;
  record.ms = Date.now() - t0;
  return record;
}
