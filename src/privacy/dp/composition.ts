// Composition theorems for (ε, δ)-DP releases: basic (Dwork, McSherry, Nissim, Smith 2006; Dwork &
// Roth 2014 Thm 3.16) and advanced (Dwork, Rothblum, Vadhan 2010; Dwork & Roth 2014 Thm 3.20).
import { InvalidArgumentError } from "../../errors/index.ts";

export interface PrivacyCost {
  epsilon: number;
  delta: number;
}

function check(c: PrivacyCost, field: string): void {
  if (!(c.epsilon >= 0) || !Number.isFinite(c.epsilon)) throw new InvalidArgumentError(`${field}.epsilon`, `must be a finite number ≥ 0, got ${c.epsilon}`);
  if (!(c.delta >= 0 && c.delta < 1)) throw new InvalidArgumentError(`${field}.delta`, `must be in [0, 1), got ${c.delta}`);
}

/** Basic composition: the ε's and δ's add up. */
export function basicComposition(costs: readonly PrivacyCost[]): PrivacyCost {
  let epsilon = 0;
  let delta = 0;
  costs.forEach((c, i) => {
    check(c, `costs[${i}]`);
    epsilon += c.epsilon;
    delta += c.delta;
  });
  return { epsilon, delta: Math.min(1, delta) };
}

/**
 * Advanced composition of k (ε, δ)-DP mechanisms: for any δ' > 0 the result is
 * (ε·√(2k ln(1/δ')) + k·ε·(e^ε - 1), k·δ + δ')-DP. Returns the smaller of that and basic composition.
 */
export function advancedComposition(cost: PrivacyCost, k: number, deltaPrime: number): PrivacyCost {
  check(cost, "cost");
  if (!Number.isSafeInteger(k) || k < 1) throw new InvalidArgumentError("k", `must be an integer ≥ 1, got ${k}`);
  if (!(deltaPrime > 0 && deltaPrime < 1)) throw new InvalidArgumentError("delta_prime", `must be in (0, 1), got ${deltaPrime}`);
  const e = cost.epsilon;
  const advanced = e * Math.sqrt(2 * k * Math.log(1 / deltaPrime)) + k * e * Math.expm1(e);
  const basic = k * e;
  if (basic <= advanced) return { epsilon: basic, delta: Math.min(1, k * cost.delta) };
  return { epsilon: advanced, delta: Math.min(1, k * cost.delta + deltaPrime) };
}
