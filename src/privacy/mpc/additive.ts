// Additive secret sharing over F_p: x = s_0 + … + s_{n-1} mod p with s_1..s_{n-1} uniform, so any n-1
// shares are independent of x (perfect secrecy; e.g. Cramer, Damgård, Nielsen, "Secure Multiparty
// Computation and Secret Sharing", 2015, §3.2).
import { InvalidArgumentError } from "../../errors/index.ts";
import { mod, randomField } from "./field.ts";

/** Shares each value of `values` among n parties; returns one share vector per party. */
export function shareAdditive(values: readonly bigint[], n: number): bigint[][] {
  if (!Number.isInteger(n) || n < 2) throw new InvalidArgumentError("parties", `must be an integer ≥ 2, got ${n}`);
  const shares: bigint[][] = [];
  const last = values.map((v) => mod(v));
  for (let p = 1; p < n; p++) {
    const r = randomField(values.length);
    shares.push(r);
    for (let i = 0; i < r.length; i++) last[i] = mod(last[i]! - r[i]!);
  }
  return [last, ...shares];
}

export function reconstructAdditive(shares: readonly (readonly bigint[])[]): bigint[] {
  const first = shares[0];
  if (!first) throw new InvalidArgumentError("shares", "need at least one share vector");
  for (const s of shares) if (s.length !== first.length) throw new InvalidArgumentError("shares", "share vectors differ in length");
  return first.map((_, i) => {
    let acc = 0n;
    for (const s of shares) acc += s[i]!;
    return mod(acc);
  });
}
