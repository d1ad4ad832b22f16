// In-place iterative radix-2 complex FFT (Cooley–Tukey) on split real/imaginary Float64Arrays,
// used by the PLD accountant to raise a privacy-loss distribution to the T-th convolution power.

/** Forward (sign -1) or inverse (sign +1, unscaled) transform; length must be a power of two. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if ((n & (n - 1)) !== 0) throw new RangeError("fft length must be a power of two");
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i]!; re[i] = re[j]!; re[j] = t;
      t = im[i]!; im[i] = im[j]!; im[j] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  // Twiddles from one table of cos/sin at the finest level, reused by striding (accuracy ~1e-16).
  const half = n >> 1;
  const cosT = new Float64Array(half);
  const sinT = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    cosT[k] = Math.cos((2 * Math.PI * k) / n);
    sinT[k] = sign * Math.sin((2 * Math.PI * k) / n);
  }
  for (let len = 2; len <= n; len <<= 1) {
    const h = len >> 1;
    const stride = n / len;
    for (let start = 0; start < n; start += len) {
      for (let k = 0; k < h; k++) {
        const wr = cosT[k * stride]!;
        const wi = sinT[k * stride]!;
        const a = start + k;
        const b = a + h;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
  }
}
