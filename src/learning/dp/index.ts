// Differentially private training for the native engine: per-example clipping from taps
// (ghost / direct norms, book-keeping), DP-SGD and DP-AdamW with Poisson sampling and calibrated noise.
export { clipFactor, clippedGradientSum, type ClippedSum } from "./clipped-sum.ts";
export { naiveClippedGradientSum } from "./naive.ts";
export { perExampleSquaredNorms, type NormMode } from "./norms.ts";
export { batchLogits } from "./forward.ts";
