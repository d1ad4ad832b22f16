// Privacy-loss-distribution (PLD) accounting (Koskela, Jälkö, Honkela 2020; Doroshenko, Ghazi,
// Kamath, Kumar, Manurangsi 2022 "Connect the Dots"). Each mechanism's privacy profile δ(ε) is
// discretised on a grid of spacing h by connect-the-dots, which gives a dominating (pessimistic)
// discrete PLD; T-fold composition is a convolution power done by FFT on a window chosen by a
// Chernoff bound; mass outside the window is counted as infinite loss (pessimistic again).
import { InvalidArgumentError } from "../../errors/index.ts";
import { fft } from "./fft.ts";
import { logNormalSf, normalCdf, normalSf } from "./special.ts";

/** A mechanism with L1/L2 sensitivity 1, as PLD accounting sees it. */
export type PldMechanism =
  | { kind: "gaussian"; noiseMultiplier: number }
  | { kind: "laplace"; scale: number }
  | { kind: "poisson_gaussian"; noiseMultiplier: number; samplingRate: number }
  | { kind: "poisson_laplace"; scale: number; samplingRate: number };

/** A discrete PLD: mass probs[i] at loss (offset + i)·h, plus mass at +∞. */
export interface DiscretePld {
  h: number;
  offset: number;
  probs: Float64Array;
  infinityMass: number;
}

/** A privacy profile δ(ε) of one adjacency direction, and the loss range outside which it is trivial. */
export interface Profile {
  delta(eps: number): number;
  lo: number;
  hi: number;
}

const TAIL_Z = 9.5; // normal tails beyond 9.5σ carry < 1.1e-21 mass

export function gaussianProfile(sigma: number): Profile {
  // Balle & Wang 2018, Thm 8: δ(ε) = Φ(1/(2σ) - εσ) - e^ε Φ(-1/(2σ) - εσ).
  const mu = 1 / (2 * sigma * sigma);
  const sd = 1 / sigma;
  return {
    // e^ε Φ(b) as exp(ε + log Φ(b)) so that large ε cannot overflow.
    delta: (e) => normalCdf(1 / (2 * sigma) - e * sigma) - Math.exp(e + logNormalSf(1 / (2 * sigma) + e * sigma)),
    lo: mu - TAIL_Z * sd,
    hi: mu + TAIL_Z * sd,
  };
}

export function laplaceProfile(b: number): Profile {
  // Loss of Lap(0,b) vs Lap(1,b) lies in [-1/b, 1/b]; δ(ε) = 1 - e^{(ε - 1/b)/2} inside.
  return {
    delta: (e) => (e >= 1 / b ? 0 : e <= -1 / b ? -Math.expm1(e) : -Math.expm1((e - 1 / b) / 2)),
    lo: -1 / b,
    hi: 1 / b,
  };
}

// Poisson-subsampled Gaussian, "remove" direction: P = (1-q)N(0,σ²) + qN(1,σ²), Q = N(0,σ²).
export function subsampledRemoveProfile(sigma: number, q: number): Profile {
  const s2 = sigma * sigma;
  const xHi = 1 + TAIL_Z * sigma;
  return {
    delta: (e) => {
      if (e <= Math.log1p(-q)) return -Math.expm1(e);
      const x = s2 * (Math.log(Math.expm1(e) + q) - Math.log(q)) + 0.5;
      return q * normalSf((x - 1) / sigma) - (Math.expm1(e) + q) * normalSf(x / sigma);
    },
    lo: Math.log1p(-q),
    hi: Math.log1p(q * Math.expm1((2 * xHi - 1) / (2 * s2))),
  };
}

// "Add" direction: P = N(0,σ²), Q = (1-q)N(0,σ²) + qN(1,σ²).
export function subsampledAddProfile(sigma: number, q: number): Profile {
  const s2 = sigma * sigma;
  const xHi = TAIL_Z * sigma;
  return {
    delta: (e) => {
      if (e >= -Math.log1p(-q)) return 0;
      const x = s2 * (Math.log(Math.expm1(-e) + q) - Math.log(q)) + 0.5;
      const ee = Math.exp(e);
      return (1 - ee * (1 - q)) * normalCdf(x / sigma) - q * ee * normalCdf((x - 1) / sigma);
    },
    lo: -Math.log1p(q * Math.expm1((2 * xHi - 1) / (2 * s2))),
    hi: -Math.log1p(-q),
  };
}

/**
 * Poisson subsampling of any mechanism whose pair (P, Q) has a symmetric profile (Laplace, Gaussian):
 * with γ = e^ε, remove: H_γ((1-q)Q + qP ‖ Q) = q·H_{1+(γ-1)/q}(P ‖ Q) for γ > 1-q, else 1-γ;
 * add: H_γ(Q ‖ (1-q)Q + qP) = (1-γ(1-q))·H_{γq/(1-γ(1-q))}(Q ‖ P) for γ(1-q) < 1, else 0
 * (Balle, Barthe, Gaboardi 2018, Thm 8; Zhu, Dong, Wang 2022, Lemma 5).
 */
export function subsampledProfiles(base: Profile, q: number): [Profile, Profile] {
  const log1mq = Math.log1p(-q);
  const remove: Profile = {
    delta: (e) => (e <= log1mq ? -Math.expm1(e) : q * base.delta(Math.log1p(Math.expm1(e) / q))),
    lo: log1mq,
    hi: Math.log1p(q * Math.expm1(base.hi)),
  };
  const gLo = Math.exp(base.lo);
  const add: Profile = {
    delta: (e) => {
      const g = Math.exp(e);
      const rest = 1 - g * (1 - q);
      return rest <= 0 ? 0 : rest * base.delta(Math.log((g * q) / rest));
    },
    lo: Math.log(gLo) - Math.log(q + gLo * (1 - q)),
    hi: -log1mq,
  };
  return [remove, add];
}

function profilesOf(m: PldMechanism): Profile[] {
  switch (m.kind) {
    case "gaussian":
      if (!(m.noiseMultiplier > 0)) throw new InvalidArgumentError("noise_multiplier", `must be > 0, got ${m.noiseMultiplier}`);
      return [gaussianProfile(m.noiseMultiplier)];
    case "laplace":
      if (!(m.scale > 0)) throw new InvalidArgumentError("scale", `must be > 0, got ${m.scale}`);
      return [laplaceProfile(m.scale)];
    case "poisson_gaussian": {
      const { noiseMultiplier: s, samplingRate: q } = m;
      if (!(s > 0)) throw new InvalidArgumentError("noise_multiplier", `must be > 0, got ${s}`);
      if (!(q > 0 && q <= 1)) throw new InvalidArgumentError("sampling_rate", `must be in (0, 1], got ${q}`);
      if (q === 1) return [gaussianProfile(s)];
      return [subsampledRemoveProfile(s, q), subsampledAddProfile(s, q)];
    }
    case "poisson_laplace": {
      if (!(m.scale > 0)) throw new InvalidArgumentError("scale", `must be > 0, got ${m.scale}`);
      if (!(m.samplingRate > 0 && m.samplingRate <= 1)) throw new InvalidArgumentError("sampling_rate", `must be in (0, 1], got ${m.samplingRate}`);
      if (m.samplingRate === 1) return [laplaceProfile(m.scale)];
      return subsampledProfiles(laplaceProfile(m.scale), m.samplingRate);
    }
  }
}

/**
 * Connect-the-dots discretisation (Doroshenko et al. 2022, Alg. 1): masses on the grid chosen so the
 * discrete PLD's δ(ε) equals the true profile at every grid point and, being linear in e^ε between
 * them while the true profile is convex in e^ε, dominates it everywhere.
 */
function connectTheDots(p: Profile, h: number): DiscretePld {
  const k0 = Math.floor(p.lo / h);
  const k1 = Math.max(Math.ceil(p.hi / h), k0 + 1);
  const n = k1 - k0 + 1;
  const deltas = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = (k0 + i) * h;
    const d = p.delta(e);
    deltas[i] = Math.min(1, Math.max(d, -Math.expm1(e), 0));
  }
  // With S_i = Σ_{j>i} p_j e^{-ε_j} fixed by δ_i - δ_{i+1} = S_i (e^{ε_{i+1}} - e^{ε_i}), the mass at
  // ε_{i+1} is e^{ε_{i+1}} (S_i - S_{i+1}) = [(δ_i - δ_{i+1}) e^h - (δ_{i+1} - δ_{i+2})] / (e^h - 1):
  // no e^ε appears, so large losses cannot overflow.
  const probs = new Float64Array(n);
  const infinityMass = deltas[n - 1]!;
  const eh = Math.exp(h);
  const em1 = Math.expm1(h);
  let total = infinityMass;
  for (let i = n - 2; i >= 0; i--) {
    const d1 = deltas[i]! - deltas[i + 1]!;
    const d2 = i + 2 < n ? deltas[i + 1]! - deltas[i + 2]! : 0;
    const pj = Math.max(0, (d1 * eh - d2) / em1);
    probs[i + 1] = pj;
    total += pj;
  }
  probs[0] = Math.max(0, 1 - total);
  return { h, offset: k0, probs, infinityMass };
}

/** The dominating discrete PLDs of one mechanism: one per adjacency direction (remove, add). */
export function discretizeMechanism(m: PldMechanism, h = 1e-4): DiscretePld[] {
  if (!(h > 0)) throw new InvalidArgumentError("discretization", `must be > 0, got ${h}`);
  return profilesOf(m).map((p) => connectTheDots(p, h));
}

function logMgf(p: DiscretePld, lambda: number): number {
  let max = -Infinity;
  for (let i = 0; i < p.probs.length; i++) if (p.probs[i]! > 0) max = Math.max(max, lambda * (p.offset + i) * p.h);
  let s = 0;
  for (let i = 0; i < p.probs.length; i++) {
    const m = p.probs[i]!;
    if (m > 0) s += m * Math.exp(lambda * (p.offset + i) * p.h - max);
  }
  return max + Math.log(s);
}

const TRUNCATION = 1e-15;
const MAX_FFT = 2 ** 24;
const LAMBDAS = [0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128];

/** Composes independent discrete PLDs (same h), each repeated `count` times, by one FFT product. */
export function composePlds(parts: { pld: DiscretePld; count: number }[]): DiscretePld {
  const h = parts[0]!.pld.h;
  let baseOffset = 0;
  let finiteMass = 1;
  let minIdx = 0;
  let maxIdx = 0;
  for (const { pld, count } of parts) {
    if (pld.h !== h) throw new InvalidArgumentError("discretization", "all PLDs must share one grid");
    baseOffset += count * pld.offset;
    minIdx += count * pld.offset;
    maxIdx += count * (pld.offset + pld.probs.length - 1);
    finiteMass *= (1 - pld.infinityMass) ** count;
  }
  // Chernoff window: P(S ≥ x) ≤ exp(Σ count·logM(λ) - λx), P(S ≤ x) ≤ exp(Σ count·logM(-λ) + λx).
  let hi = maxIdx * h;
  let lo = minIdx * h;
  for (const lam of LAMBDAS) {
    let up = 0;
    let down = 0;
    for (const { pld, count } of parts) {
      up += count * logMgf(pld, lam);
      down += count * logMgf(pld, -lam);
    }
    hi = Math.min(hi, (up - Math.log(TRUNCATION)) / lam);
    lo = Math.max(lo, -(down - Math.log(TRUNCATION)) / lam);
  }
  const cLo = Math.max(minIdx, Math.floor(lo / h));
  const cHi = Math.min(maxIdx, Math.ceil(hi / h));
  const width = cHi - cLo + 1;
  let n = 1;
  while (n < width) n <<= 1;
  for (const { pld } of parts) while (n < pld.probs.length) n <<= 1;
  if (n > MAX_FFT) {
    throw new InvalidArgumentError("discretization", `the composed PLD needs ${n} grid points (limit ${MAX_FFT}); use a coarser discretization than ${h}`);
  }
  const accRe = new Float64Array(n).fill(1);
  const accIm = new Float64Array(n);
  for (const { pld, count } of parts) {
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    for (let i = 0; i < pld.probs.length; i++) re[i % n] = re[i % n]! + pld.probs[i]!;
    fft(re, im);
    for (let k = 0; k < n; k++) {
      const r = Math.hypot(re[k]!, im[k]!);
      const theta = Math.atan2(im[k]!, re[k]!);
      const rt = r === 0 ? 0 : Math.exp(count * Math.log(r));
      const pr = rt * Math.cos(count * theta);
      const pi = rt * Math.sin(count * theta);
      const ar = accRe[k]!;
      const ai = accIm[k]!;
      accRe[k] = ar * pr - ai * pi;
      accIm[k] = ar * pi + ai * pr;
    }
  }
  fft(accRe, accIm, true);
  const probs = new Float64Array(width);
  for (let c = cLo; c <= cHi; c++) {
    const pos = (((c - baseOffset) % n) + n) % n;
    const v = accRe[pos]! / n;
    probs[c - cLo] = v;
  }
  // Pessimistic: what the window cut off above (≤ TRUNCATION by the Chernoff bound) becomes +∞ loss.
  const cutAbove = cHi < maxIdx ? TRUNCATION : 0;
  return { h, offset: cLo, probs, infinityMass: Math.min(1, 1 - finiteMass + cutAbove) };
}

/** δ(ε) = P[L = ∞] + Σ_{l > ε} P[L = l](1 - e^{ε - l}) of a discrete PLD. */
export function pldDelta(p: DiscretePld, epsilon: number): number {
  let d = p.infinityMass;
  for (let i = p.probs.length - 1; i >= 0; i--) {
    const l = (p.offset + i) * p.h;
    if (l <= epsilon) break;
    d += p.probs[i]! * -Math.expm1(epsilon - l);
  }
  return Math.min(1, Math.max(0, d));
}

/** The smallest ε ≥ 0 with δ(ε) ≤ delta (exact on the piecewise form A - e^ε B between grid points). */
export function pldEpsilonForDelta(p: DiscretePld, delta: number): number {
  if (p.infinityMass > delta) return Infinity;
  // Scanning down from the top: a = Σ_{j>i} p_j (+ ∞ mass), bs = Σ_{j>i} p_j e^{l_i - l_j} (kept relative
  // to l_i so that e^{-l} never underflows); δ(l_i) = a - bs and δ(ε) = a - e^{ε - l_i} bs above l_i.
  const decay = Math.exp(-p.h);
  let a = p.infinityMass;
  let bs = 0;
  for (let i = p.probs.length - 1; i >= 0; i--) {
    const l = (p.offset + i) * p.h;
    if (a - bs > delta) return Math.max(0, l + Math.log((a - delta) / bs));
    a += p.probs[i]!;
    bs = (bs + p.probs[i]!) * decay;
  }
  return 0;
}
