// Shamir t-of-n secret sharing (Shamir 1979, "How to share a secret") over the prime field
// GF(2^521 − 1), a Mersenne prime larger than any 32-byte secret, so a key or seed is one field element.
import { randomBytes } from "node:crypto";
import { InvalidArgumentError, LlmosError } from "../../errors/index.ts";

export const FIELD_PRIME = (1n << 521n) - 1n;

export interface Share {
  /** Evaluation point, 1…n (never 0: f(0) is the secret). */
  x: number;
  y: bigint;
}

function mod(a: bigint): bigint {
  const r = a % FIELD_PRIME;
  return r < 0n ? r + FIELD_PRIME : r;
}

function modPow(b: bigint, e: bigint): bigint {
  let r = 1n;
  b = mod(b);
  while (e > 0n) {
    if (e & 1n) r = (r * b) % FIELD_PRIME;
    b = (b * b) % FIELD_PRIME;
    e >>= 1n;
  }
  return r;
}

/** Inverse by Fermat's little theorem (p prime): a^(p−2). */
function inverse(a: bigint): bigint {
  return modPow(a, FIELD_PRIME - 2n);
}

/** A uniform field element from the CSPRNG (rejection sampling over 521-bit strings). */
function randomElement(): bigint {
  for (;;) {
    const b = randomBytes(66);
    b[0]! &= 0x01; // 66 bytes = 528 bits; keep the low 521
    const v = BigInt(`0x${b.toString("hex")}`);
    if (v < FIELD_PRIME) return v;
  }
}

export function bytesToField(secret: Uint8Array): bigint {
  if (secret.length === 0 || secret.length > 64) throw new InvalidArgumentError("secret", `must be 1-64 bytes, got ${secret.length}`);
  return BigInt(`0x${Buffer.from(secret).toString("hex")}`);
}

export function fieldToBytes(v: bigint, length: number): Uint8Array {
  if (v < 0n || v >= 1n << BigInt(8 * length)) throw new LlmosError("secagg_reconstruction_failed", 500, `reconstructed value does not fit in ${length} bytes (inconsistent shares)`);
  return Uint8Array.from(Buffer.from(v.toString(16).padStart(2 * length, "0"), "hex"));
}

/** Shares of `secret` at points xs: a random polynomial of degree t − 1 with f(0) = secret. */
export function splitSecret(secret: bigint, threshold: number, xs: number[]): Share[] {
  if (!Number.isInteger(threshold) || threshold < 1) throw new InvalidArgumentError("threshold", `must be an integer ≥ 1, got ${threshold}`);
  if (xs.length < threshold) throw new InvalidArgumentError("threshold", `${threshold} exceeds the ${xs.length} share holders`);
  if (new Set(xs).size !== xs.length || xs.some((x) => !Number.isInteger(x) || x < 1)) throw new InvalidArgumentError("xs", "must be distinct positive integers");
  if (secret < 0n || secret >= FIELD_PRIME) throw new InvalidArgumentError("secret", "is outside the field");
  const coeffs = [secret];
  for (let i = 1; i < threshold; i++) coeffs.push(randomElement());
  return xs.map((x) => {
    // Horner's rule.
    let y = 0n;
    const bx = BigInt(x);
    for (let i = coeffs.length - 1; i >= 0; i--) y = (y * bx + coeffs[i]!) % FIELD_PRIME;
    return { x, y };
  });
}

/** f(0) by Lagrange interpolation from any `threshold` distinct shares (the first ones given are used). */
export function combineShares(shares: Share[], threshold: number): bigint {
  const seen = new Set<number>();
  const use: Share[] = [];
  for (const s of shares) {
    if (seen.has(s.x)) continue;
    seen.add(s.x);
    use.push(s);
    if (use.length === threshold) break;
  }
  if (use.length < threshold) throw new LlmosError("secagg_too_few_shares", 409, `only ${use.length} distinct shares, ${threshold} needed`);
  // f(0) = Σ y_i Π_{j≠i} x_j / (x_j − x_i); one inverse for all denominators.
  let num = 0n;
  let den = 1n;
  const terms: { n: bigint; d: bigint }[] = use.map((si) => {
    let n = 1n;
    let d = 1n;
    for (const sj of use) {
      if (sj.x === si.x) continue;
      n = (n * BigInt(sj.x)) % FIELD_PRIME;
      d = mod(d * BigInt(sj.x - si.x));
    }
    return { n: (n * si.y) % FIELD_PRIME, d };
  });
  // Σ n_i / d_i = (Σ n_i Π_{k≠i} d_k) / Π d_k
  for (const t of terms) {
    num = mod(num * t.d + t.n * den);
    den = (den * t.d) % FIELD_PRIME;
  }
  return (num * inverse(den)) % FIELD_PRIME;
}
