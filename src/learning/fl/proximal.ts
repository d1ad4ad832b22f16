// FedProx's client-side piece (Li et al. 2020, "Federated Optimization in Heterogeneous Networks", eq. 2):
// each site minimises F_k(w) + μ/2 ‖w − w_t‖², whose extra gradient is μ (w − w_t).
import { InvalidArgumentError } from "../../errors/index.ts";

/** μ/2 ‖w − w_t‖². */
export function proximalTerm(w: Float32Array, global: Float32Array, mu: number): number {
  check(w, global, mu);
  let s = 0;
  for (let i = 0; i < w.length; i++) {
    const d = w[i]! - global[i]!;
    s += d * d;
  }
  return (mu / 2) * s;
}

/** grad + μ (w − w_t), the gradient of the FedProx local objective, as a new vector. */
export function addProximalGradient(grad: Float32Array, w: Float32Array, global: Float32Array, mu: number): Float32Array {
  check(w, global, mu);
  if (grad.length !== w.length) throw new InvalidArgumentError("grad", `has ${grad.length} values, expected ${w.length}`);
  const out = new Float32Array(grad.length);
  for (let i = 0; i < out.length; i++) out[i] = grad[i]! + mu * (w[i]! - global[i]!);
  return out;
}

function check(w: Float32Array, global: Float32Array, mu: number): void {
  if (!(mu >= 0) || !Number.isFinite(mu)) throw new InvalidArgumentError("strategy.mu", `must be a number ≥ 0, got ${mu}`);
  if (w.length !== global.length) throw new InvalidArgumentError("weights", `has ${w.length} values, the global model has ${global.length}`);
}
