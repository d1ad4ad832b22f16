// DP-SGD privacy planning: validates (ε, δ, C, σ) against the dataset size, calibrates σ for a
// target ε over the planned steps, or caps the steps so a given σ stays within ε. The guarantee is
// per training sequence (the Poisson-sampled unit): a record repeated k times is covered at group
// privacy k (Dwork & Roth 2014, Thm 2.2), not at ε.
import { InvalidArgumentError } from "../../errors/index.ts";
import { ACCOUNTANT_NAMES, calibrateNoiseMultiplier, dpSgdEpsilon, type AccountantName } from "../../privacy/dp/index.ts";

export interface DpSettings {
  /** Target ε; with noiseMultiplier unset, σ is calibrated to reach it over the planned steps. */
  epsilon?: number;
  delta: number;
  /** Per-example L2 clipping norm C. */
  clip: number;
  /** σ (noise std / C); unset = calibrate from epsilon. */
  noiseMultiplier?: number;
  accountant?: AccountantName;
}

export interface PrivacyPlan {
  noiseMultiplier: number;
  samplingRate: number;
  /** Steps that fit in the budget (≤ the requested steps). */
  steps: number;
  /** ε spent by those steps, by the accountant (≤ the target when one was given). */
  epsilon: number;
  delta: number;
  accountant: AccountantName;
  clip: number;
  /** True when σ came from calibration rather than the caller. */
  calibrated: boolean;
}

/** Checks the settings; `n` is the number of training sequences. Errors name the CLI flag. */
export function checkDpSettings(s: DpSettings, n: number): void {
  if (s.epsilon !== undefined && !(Number.isFinite(s.epsilon) && s.epsilon > 0)) {
    throw new InvalidArgumentError("--epsilon", `must be a finite number > 0, got ${s.epsilon}`);
  }
  if (!(Number.isFinite(s.delta) && s.delta > 0)) throw new InvalidArgumentError("--delta", `must be a number > 0, got ${s.delta}`);
  // δ ≥ 1/n admits mechanisms that publish a whole record outright (Dwork & Roth 2014, §2.3).
  if (s.delta >= 1 / n) throw new InvalidArgumentError("--delta", `must be below 1/n = ${(1 / n).toPrecision(3)} for the ${n} training sequences, got ${s.delta}`);
  if (!(Number.isFinite(s.clip) && s.clip > 0)) throw new InvalidArgumentError("--clip", `must be a finite number > 0, got ${s.clip}`);
  if (s.noiseMultiplier !== undefined && !(Number.isFinite(s.noiseMultiplier) && s.noiseMultiplier > 0)) {
    throw new InvalidArgumentError("--noise-multiplier", `must be a finite number > 0, got ${s.noiseMultiplier}`);
  }
  if (s.epsilon === undefined && s.noiseMultiplier === undefined) throw new InvalidArgumentError("--epsilon", "give a target ε or a noise multiplier (--noise-multiplier)");
  if (s.accountant !== undefined && !ACCOUNTANT_NAMES.includes(s.accountant)) {
    throw new InvalidArgumentError("--accountant", `must be one of ${ACCOUNTANT_NAMES.join(", ")}, got '${String(s.accountant)}'`);
  }
}

/** The plan for `maxSteps` steps at sampling rate q over n sequences. */
export function planPrivacy(s: DpSettings, n: number, samplingRate: number, maxSteps: number): PrivacyPlan {
  checkDpSettings(s, n);
  const accountant = s.accountant ?? "rdp";
  const eps = (sigma: number, steps: number) => dpSgdEpsilon(accountant, { noiseMultiplier: sigma, samplingRate, steps, delta: s.delta });
  const base = { samplingRate, delta: s.delta, accountant, clip: s.clip };
  if (s.noiseMultiplier === undefined) {
    const sigma = calibrateNoiseMultiplier({ epsilon: s.epsilon!, delta: s.delta, samplingRate, steps: maxSteps, accountant });
    return { ...base, noiseMultiplier: sigma, steps: maxSteps, epsilon: eps(sigma, maxSteps), calibrated: true };
  }
  const sigma = s.noiseMultiplier;
  if (s.epsilon === undefined) return { ...base, noiseMultiplier: sigma, steps: maxSteps, epsilon: eps(sigma, maxSteps), calibrated: false };
  // ε grows with the step count: the largest count within the target, by bisection.
  if (eps(sigma, 1) > s.epsilon) {
    throw new InvalidArgumentError("--noise-multiplier", `σ = ${sigma} spends more than ε = ${s.epsilon} in a single step; raise σ or ε`);
  }
  let lo = 1;
  let hi = maxSteps;
  if (eps(sigma, hi) <= s.epsilon) lo = hi;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (eps(sigma, mid) <= s.epsilon) lo = mid;
    else hi = mid - 1;
  }
  return { ...base, noiseMultiplier: sigma, steps: lo, epsilon: eps(sigma, lo), calibrated: false };
}
