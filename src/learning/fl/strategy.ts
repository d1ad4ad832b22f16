// Aggregation strategies chosen by name, as pure functions of (global model, client updates, server
// state). An update is the change a site made to the global model (local − global) plus its example count.
import { InvalidArgumentError, NotFoundError } from "../../errors/index.ts";
import { checkSameLength } from "./vector.ts";
import { coordinateMedian, krum, trimmedMean } from "./robust.ts";

export interface ClientUpdate {
  delta: Float32Array;
  /** Local examples (sequences) the update was trained on; FedAvg weights by it. */
  examples: number;
}

export interface StrategyOptions {
  /** Server learning rate η (FedAvg/FedProx default 1, FedSGD default 1, FedAdam/FedYogi default 0.01). */
  serverLr?: number;
  /** FedAdam/FedYogi moments (Reddi et al. 2021, Alg. 2): β₁ = 0.9, β₂ = 0.99, adaptivity τ = 1e-3. */
  beta1?: number;
  beta2?: number;
  tau?: number;
  /** FedProx proximal weight μ, applied by sites in their local objective (see proximal.ts). */
  mu?: number;
  /** Trimmed mean: share β of updates cut from EACH end per coordinate (Yin et al. 2018), default 0.1. */
  trimFraction?: number;
  /** Krum: number f of Byzantine sites tolerated (needs n > 2f + 2), default 1. */
  byzantine?: number;
  /** Multi-Krum: average the m best-scored updates (default 1 = Krum). */
  krumSelect?: number;
}

/** Server optimizer state carried between rounds (FedAdam/FedYogi moments; empty otherwise). */
export interface ServerState {
  round: number;
  m?: Float32Array;
  v?: Float32Array;
}

export interface AggregateResult {
  global: Float32Array;
  state: ServerState;
}

export interface StrategySpec {
  name: string;
  /**
   * Secure aggregation only reveals the SUM of updates, so only strategies that need no more than the
   * (weighted) mean compose with it. FedMedian, trimmed mean and Krum look at every single update and
   * cannot run under secure aggregation (they would defeat its purpose).
   */
  secureAggregation: boolean;
  /** What a site returns: the change after E local epochs, or the negated gradient of one batch (FedSGD). */
  clientUpdate: "train" | "gradient";
  /** The mean-based server step, given the weighted mean update (only when secureAggregation). */
  applyMean?(global: Float32Array, mean: Float32Array, state: ServerState, o: StrategyOptions): AggregateResult;
  /** Robust rules that need every update. */
  combine?(updates: ClientUpdate[], o: StrategyOptions): Float32Array;
}

/** Σ nₖ Δₖ / Σ nₖ (McMahan et al. 2017, FedAvg). */
export function weightedMean(updates: ClientUpdate[]): Float32Array {
  const n = checkSameLength("updates", updates.map((u) => u.delta));
  let total = 0;
  updates.forEach((u, i) => {
    if (!(u.examples > 0) || !Number.isFinite(u.examples)) throw new InvalidArgumentError(`updates[${i}].examples`, `must be a positive number, got ${u.examples}`);
    total += u.examples;
  });
  const acc = new Float64Array(n);
  for (const u of updates) {
    const w = u.examples / total;
    for (let i = 0; i < n; i++) acc[i]! += w * u.delta[i]!;
  }
  return Float32Array.from(acc);
}

function num(field: string, v: number | undefined, dflt: number, lo = 0, hi = Infinity, open = false): number {
  const x = v ?? dflt;
  if (!Number.isFinite(x) || x < lo || x > hi || (open && x === lo)) throw new InvalidArgumentError(`strategy.${field}`, `must be a number in ${open ? "(" : "["}${lo}, ${hi}], got ${x}`);
  return x;
}

function sgdStep(global: Float32Array, mean: Float32Array, state: ServerState, o: StrategyOptions): AggregateResult {
  const lr = num("serverLr", o.serverLr, 1, 0, Infinity, true);
  const out = new Float32Array(global.length);
  for (let i = 0; i < out.length; i++) out[i] = global[i]! + lr * mean[i]!;
  return { global: out, state: { ...state, round: state.round + 1 } };
}

/** Reddi et al. 2021, Algorithm 2 (FedAdam / FedYogi), no bias correction, v₀ = τ². */
function adaptiveStep(kind: "adam" | "yogi") {
  return (global: Float32Array, mean: Float32Array, state: ServerState, o: StrategyOptions): AggregateResult => {
    const lr = num("serverLr", o.serverLr, 0.01, 0, Infinity, true);
    const b1 = num("beta1", o.beta1, 0.9, 0, 1);
    const b2 = num("beta2", o.beta2, 0.99, 0, 1);
    const tau = num("tau", o.tau, 1e-3, 0, Infinity, true);
    const m = state.m ? new Float32Array(state.m) : new Float32Array(global.length);
    const v = state.v ? new Float32Array(state.v) : new Float32Array(global.length).fill(tau * tau);
    if (m.length !== global.length || v.length !== global.length) throw new InvalidArgumentError("state", "server moments do not match the model size");
    const out = new Float32Array(global.length);
    for (let i = 0; i < out.length; i++) {
      const d = mean[i]!;
      const d2 = d * d;
      m[i] = b1 * m[i]! + (1 - b1) * d;
      if (kind === "adam") v[i] = b2 * v[i]! + (1 - b2) * d2;
      else v[i] = v[i]! - (1 - b2) * d2 * Math.sign(v[i]! - d2);
      out[i] = global[i]! + (lr * m[i]!) / (Math.sqrt(v[i]!) + tau);
    }
    return { global: out, state: { round: state.round + 1, m, v } };
  };
}

const SPECS: Record<string, StrategySpec> = {
  fedavg: { name: "fedavg", secureAggregation: true, clientUpdate: "train", applyMean: sgdStep },
  // FedSGD (McMahan et al. 2017 baseline): each site returns −∇ of one batch; the server steps by η.
  fedsgd: { name: "fedsgd", secureAggregation: true, clientUpdate: "gradient", applyMean: sgdStep },
  // FedProx (Li et al. 2020): server side is FedAvg; the proximal term μ/2‖w − w_t‖² lives in the local objective.
  fedprox: { name: "fedprox", secureAggregation: true, clientUpdate: "train", applyMean: sgdStep },
  fedadam: { name: "fedadam", secureAggregation: true, clientUpdate: "train", applyMean: adaptiveStep("adam") },
  fedyogi: { name: "fedyogi", secureAggregation: true, clientUpdate: "train", applyMean: adaptiveStep("yogi") },
  fedmedian: { name: "fedmedian", secureAggregation: false, clientUpdate: "train", combine: (u) => coordinateMedian(u.map((x) => x.delta)) },
  trimmedmean: {
    name: "trimmedmean", secureAggregation: false, clientUpdate: "train",
    combine: (u, o) => trimmedMean(u.map((x) => x.delta), num("trimFraction", o.trimFraction, 0.1, 0, 0.5)),
  },
  krum: {
    name: "krum", secureAggregation: false, clientUpdate: "train",
    combine: (u, o) => krum(u.map((x) => x.delta), Math.round(num("byzantine", o.byzantine, 1)), Math.round(num("krumSelect", o.krumSelect, 1, 1))),
  },
};

export function strategyNames(): string[] {
  return Object.keys(SPECS);
}

export function getStrategy(name: string): StrategySpec {
  const s = SPECS[name.toLowerCase()];
  if (!s) throw new NotFoundError("strategy", name, `known strategies: ${strategyNames().join(", ")}`);
  return s;
}

/** One server round from individual updates (plain aggregation, no secure aggregation). */
export function aggregate(name: string, global: Float32Array, updates: ClientUpdate[], state: ServerState, o: StrategyOptions = {}): AggregateResult {
  const s = getStrategy(name);
  checkSameLength("updates", updates.map((u) => u.delta), global.length);
  if (s.applyMean) return s.applyMean(global, weightedMean(updates), state, o);
  const combined = s.combine!(updates, o);
  return sgdStep(global, combined, state, o);
}

/** One server round from the weighted mean alone, which is all secure aggregation reveals. */
export function aggregateMean(name: string, global: Float32Array, mean: Float32Array, state: ServerState, o: StrategyOptions = {}): AggregateResult {
  const s = getStrategy(name);
  if (!s.applyMean) throw new InvalidArgumentError("strategy.name", `'${s.name}' needs every single update and cannot be combined with secure aggregation; use fedavg, fedsgd, fedprox, fedadam or fedyogi`);
  checkSameLength("mean", [mean], global.length);
  return s.applyMean(global, mean, state, o);
}
