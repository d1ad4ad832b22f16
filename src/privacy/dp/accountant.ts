// DP-SGD accounting chosen by name ("rdp" | "pld"): ε for (σ, q, T, δ), and calibration of the
// smallest noise multiplier σ meeting a target (ε, δ). Pure functions; DP training and federated
// learning call these.
import { InvalidArgumentError } from "../../errors/index.ts";
import { composePlds, discretizeMechanism, pldDelta, pldEpsilonForDelta, type PldMechanism } from "./pld.ts";
import { DEFAULT_RDP_ORDERS, rdpGaussian, rdpLaplace, rdpPoissonSubsampledGaussian, rdpToDelta, rdpToEpsilon, type RdpConversion } from "./rdp.ts";

export type AccountantName = "rdp" | "pld";
export const ACCOUNTANT_NAMES: readonly AccountantName[] = ["rdp", "pld"];

export interface DpSgdParams {
  /** Noise standard deviation divided by the clipping norm (L2 sensitivity). */
  noiseMultiplier: number;
  /** Poisson sampling probability q of each example per step (1 = full batch). */
  samplingRate: number;
  /** Number of steps T. */
  steps: number;
  /** Target δ. */
  delta: number;
}

export interface RdpOptions {
  orders?: readonly number[];
  conversion?: RdpConversion;
}

export interface PldOptions {
  /** Grid spacing of the privacy loss (dp_accounting's value_discretization_interval); default 1e-4. */
  discretization?: number;
}

function checkParams(p: DpSgdParams): void {
  if (!(p.noiseMultiplier > 0) || !Number.isFinite(p.noiseMultiplier)) throw new InvalidArgumentError("noise_multiplier", `must be a finite number > 0, got ${p.noiseMultiplier}`);
  if (!(p.samplingRate > 0 && p.samplingRate <= 1)) throw new InvalidArgumentError("sampling_rate", `must be in (0, 1], got ${p.samplingRate}`);
  if (!Number.isSafeInteger(p.steps) || p.steps < 1) throw new InvalidArgumentError("steps", `must be an integer ≥ 1, got ${p.steps}`);
  if (!(p.delta > 0 && p.delta < 1)) throw new InvalidArgumentError("delta", `must be in (0, 1), got ${p.delta}`);
}

/**
 * ε of T steps of the Poisson-subsampled Gaussian mechanism by Rényi DP (Mironov, Talwar, Zhang
 * 2019), converted with CKS 2020 Prop. 12; returns the optimal order too. Matches dp_accounting's
 * RdpAccountant with the same orders.
 */
export function rdpEpsilon(p: DpSgdParams, options: RdpOptions = {}): { epsilon: number; order: number } {
  checkParams(p);
  const orders = options.orders ?? DEFAULT_RDP_ORDERS;
  const rdp = rdpPoissonSubsampledGaussian(p.samplingRate, p.noiseMultiplier, orders).map((r) => r * p.steps);
  return rdpToEpsilon(orders, rdp, p.delta, options.conversion ?? "cks");
}

/** ε of T steps of the Poisson-subsampled Gaussian by PLD accounting (pessimistic, both adjacencies). */
export function pldEpsilon(p: DpSgdParams, options: PldOptions = {}): { epsilon: number } {
  checkParams(p);
  const mech: PldMechanism = { kind: "poisson_gaussian", noiseMultiplier: p.noiseMultiplier, samplingRate: p.samplingRate };
  const plds = discretizeMechanism(mech, options.discretization ?? 1e-4);
  let epsilon = 0;
  for (const pld of plds) epsilon = Math.max(epsilon, pldEpsilonForDelta(composePlds([{ pld, count: p.steps }]), p.delta));
  return { epsilon };
}

/** ε by the named accountant. */
export function dpSgdEpsilon(accountant: AccountantName, p: DpSgdParams, options: RdpOptions & PldOptions = {}): number {
  if (accountant === "rdp") return rdpEpsilon(p, options).epsilon;
  if (accountant === "pld") return pldEpsilon(p, options).epsilon;
  throw new InvalidArgumentError("accountant", `must be one of ${ACCOUNTANT_NAMES.join(", ")}, got '${String(accountant)}'`);
}

export interface CalibrationTarget {
  epsilon: number;
  delta: number;
  samplingRate: number;
  steps: number;
  accountant?: AccountantName;
  /** Relative precision of σ (default 1e-4 for RDP, 1e-3 for PLD). */
  tolerance?: number;
}

/**
 * The smallest noise multiplier σ (to the tolerance, rounded up) whose ε by the chosen accountant is
 * ≤ the target: ε(σ) is decreasing in σ, so bisection in log σ. The returned σ always meets the target.
 */
export function calibrateNoiseMultiplier(t: CalibrationTarget, options: RdpOptions & PldOptions = {}): number {
  if (!(t.epsilon > 0) || !Number.isFinite(t.epsilon)) throw new InvalidArgumentError("epsilon", `must be a finite number > 0, got ${t.epsilon}`);
  const accountant = t.accountant ?? "rdp";
  const tol = t.tolerance ?? (accountant === "pld" ? 1e-3 : 1e-4);
  const eps = (sigma: number) => dpSgdEpsilon(accountant, { noiseMultiplier: sigma, samplingRate: t.samplingRate, steps: t.steps, delta: t.delta }, options);
  // Bracket: RDP's σ is an upper bound for PLD's (PLD is tighter), so PLD starts from it.
  let hi = accountant === "pld" ? calibrateNoiseMultiplier({ ...t, accountant: "rdp", tolerance: 1e-3 }, options) : 1;
  let lo = hi / 2;
  let guard = 0;
  while (eps(hi) > t.epsilon) {
    lo = hi;
    hi *= 2;
    if (++guard > 60) throw new InvalidArgumentError("epsilon", "no noise multiplier below 2^60 reaches this target");
  }
  while (lo > 1e-6 && eps(lo) <= t.epsilon) {
    hi = lo;
    lo /= 2;
  }
  while ((hi - lo) / hi > tol) {
    const mid = Math.sqrt(lo * hi);
    if (eps(mid) <= t.epsilon) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * A running RDP accountant for heterogeneous releases (DP-SGD steps, federated rounds): compose
 * events, then ask ε for a δ. Per-event RDP curves are cached, so composing the same step
 * 10,000 times costs one curve and 10,000 vector additions.
 */
export class RdpAccountant {
  readonly orders: readonly number[];
  private readonly total: Float64Array;
  private readonly cache = new Map<string, number[]>();

  constructor(orders: readonly number[] = DEFAULT_RDP_ORDERS) {
    this.orders = orders;
    this.total = new Float64Array(orders.length);
  }

  private add(key: string, curve: () => number[], count: number): this {
    if (!Number.isSafeInteger(count) || count < 0) throw new InvalidArgumentError("count", `must be an integer ≥ 0, got ${count}`);
    let c = this.cache.get(key);
    if (!c) {
      c = curve();
      this.cache.set(key, c);
    }
    for (let i = 0; i < c.length; i++) this.total[i] = this.total[i]! + count * c[i]!;
    return this;
  }

  /** One or more steps of the Poisson-subsampled Gaussian mechanism. */
  composePoissonGaussian(noiseMultiplier: number, samplingRate: number, count = 1): this {
    return this.add(`pg:${noiseMultiplier}:${samplingRate}`, () => rdpPoissonSubsampledGaussian(samplingRate, noiseMultiplier, this.orders), count);
  }

  /** One or more Gaussian mechanisms with noise multiplier σ (std / L2 sensitivity). */
  composeGaussian(noiseMultiplier: number, count = 1): this {
    return this.add(`g:${noiseMultiplier}`, () => rdpGaussian(noiseMultiplier, this.orders), count);
  }

  /** One or more Laplace mechanisms with scale b per unit L1 sensitivity. */
  composeLaplace(scale: number, count = 1): this {
    return this.add(`l:${scale}`, () => rdpLaplace(scale, this.orders), count);
  }

  epsilon(delta: number, conversion: RdpConversion = "cks"): { epsilon: number; order: number } {
    return rdpToEpsilon(this.orders, Array.from(this.total), delta, conversion);
  }

  delta(epsilon: number): { delta: number; order: number } {
    return rdpToDelta(this.orders, Array.from(this.total), epsilon);
  }
}

export interface PldEvent {
  mechanism: PldMechanism;
  count: number;
}

function composedByDirection(events: readonly PldEvent[], h: number) {
  if (events.length === 0) throw new InvalidArgumentError("events", "must not be empty");
  const per = events.map((e, i) => {
    if (!Number.isSafeInteger(e.count) || e.count < 1) throw new InvalidArgumentError(`events[${i}].count`, `must be an integer ≥ 1, got ${e.count}`);
    return { plds: discretizeMechanism(e.mechanism, h), count: e.count };
  });
  // Remove and add adjacency are composed separately; symmetric mechanisms use one PLD for both.
  const directions = Math.max(...per.map((p) => p.plds.length));
  return Array.from({ length: directions }, (_, d) => composePlds(per.map((p) => ({ pld: p.plds[Math.min(d, p.plds.length - 1)]!, count: p.count }))));
}

/** ε for δ of a sequence of mechanisms (Gaussian, Laplace, Poisson-subsampled Gaussian) by PLD. */
export function pldComposeEpsilon(events: readonly PldEvent[], delta: number, options: PldOptions = {}): number {
  if (!(delta > 0 && delta < 1)) throw new InvalidArgumentError("delta", `must be in (0, 1), got ${delta}`);
  return Math.max(...composedByDirection(events, options.discretization ?? 1e-4).map((p) => pldEpsilonForDelta(p, delta)));
}

/** δ for ε of a sequence of mechanisms by PLD. */
export function pldComposeDelta(events: readonly PldEvent[], epsilon: number, options: PldOptions = {}): number {
  if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new InvalidArgumentError("epsilon", `must be a finite number ≥ 0, got ${epsilon}`);
  return Math.max(...composedByDirection(events, options.discretization ?? 1e-4).map((p) => pldDelta(p, epsilon)));
}
