// Matrix products over F_p on flattened row-major BigInt arrays; sums are reduced once per entry.
import { mod } from "./field.ts";

/** (m×k)·(k×p) → m×p. */
export function matmulField(a: readonly bigint[], b: readonly bigint[], m: number, k: number, p: number): bigint[] {
  const out = new Array<bigint>(m * p);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < p; j++) {
      let acc = 0n;
      for (let t = 0; t < k; t++) acc += a[i * k + t]! * b[t * p + j]!;
      out[i * p + j] = mod(acc);
    }
  }
  return out;
}

export function transpose<T>(a: readonly T[], rows: number, cols: number): T[] {
  const out = new Array<T>(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  return out;
}
