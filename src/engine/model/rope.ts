// Rotary position embeddings in llama.cpp's "normal" mode (LLAMA_ROPE_TYPE_NORM, used for
// general.architecture = llama): ADJACENT pairs (x[2i], x[2i+1]) rotate by
// theta_i = pos · base^(-2i/headDim). The angle table is computed as ggml's CPU kernel does
// (ggml_rope_cache_init): float32 theta_scale = powf(base, -2.0f/n_dims) and theta multiplied by
// it step by step in float32, so angles match llama.cpp bit for bit, not only mathematically.
import * as tf from "@tensorflow/tfjs";

const f32 = Math.fround;

export interface RopeTable {
  headDim: number;
  /** cos[p·headDim + j] = cos(theta_{p, j>>1}); each value appears twice, once per pair member. */
  cos: Float32Array;
  sin: Float32Array;
}

/** Angles for positions 0..positions-1. */
export function ropeTable(headDim: number, base: number, positions: number): RopeTable {
  if (headDim % 2 !== 0) throw new RangeError(`rope head dimension must be even, got ${headDim}`);
  const thetaScale = f32(Math.pow(f32(base), f32(-2 / headDim)));
  const cos = new Float32Array(positions * headDim);
  const sin = new Float32Array(positions * headDim);
  for (let p = 0; p < positions; p++) {
    let theta = f32(p);
    for (let i = 0; i < headDim; i += 2) {
      const c = Math.cos(theta);
      const s = Math.sin(theta);
      const o = p * headDim + i;
      cos[o] = c;
      cos[o + 1] = c;
      sin[o] = s;
      sin[o + 1] = s;
      theta = f32(theta * thetaScale);
    }
  }
  return { headDim, cos, sin };
}

/**
 * Reference rotation of one vector at one position, in plain JS (tests and documentation):
 * out[2i] = x[2i]·cos − x[2i+1]·sin, out[2i+1] = x[2i]·sin + x[2i+1]·cos.
 */
export function ropeVector(x: ArrayLike<number>, pos: number, table: RopeTable): Float32Array {
  const hd = table.headDim;
  const out = new Float32Array(hd);
  for (let i = 0; i < hd; i += 2) {
    const c = table.cos[pos * hd + i]!;
    const s = table.sin[pos * hd + i]!;
    const x0 = x[i]!;
    const x1 = x[i + 1]!;
    out[i] = x0 * c - x1 * s;
    out[i + 1] = x0 * s + x1 * c;
  }
  return out;
}

/** [hd, hd] matrix R with (x·R)[2i] = −x[2i+1] and (x·R)[2i+1] = x[2i]. */
function pairSwapMatrix(hd: number): tf.Tensor2D {
  const r = new Float32Array(hd * hd);
  for (let i = 0; i < hd; i += 2) {
    r[(i + 1) * hd + i] = -1;
    r[i * hd + i + 1] = 1;
  }
  return tf.tensor2d(r, [hd, hd]);
}

/** x·cos + swap(x)·sin on x [B, T, heads, hd]; cos/sin [T, 1, hd]. The swap is an exact ±1 matmul. */
function rotate(x: tf.Tensor4D, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor4D {
  const hd = x.shape[3];
  const swapped = tf.matMul(tf.reshape(x, [-1, hd]), pairSwapMatrix(hd)).reshape(x.shape);
  return tf.add(tf.mul(x, cos), tf.mul(swapped, sin));
}

/**
 * Rotates x [B, T, heads, hd] whose tokens sit at positions start..start+T-1. The rotation is
 * orthogonal, so its gradient is the rotation by −theta (a custom gradient: tfjs's own would need a
 * transposed matmul, which is slow on the wasm backend).
 */
export function applyRope(x: tf.Tensor4D, table: RopeTable, start: number): tf.Tensor4D {
  const [, T, , hd] = x.shape;
  if (hd !== table.headDim) throw new RangeError(`rope table is for head dimension ${table.headDim}, got ${hd}`);
  const from = start * hd;
  const to = (start + T) * hd;
  if (to > table.cos.length) throw new RangeError(`rope table covers ${table.cos.length / hd} positions, asked up to ${start + T}`);
  const op = tf.customGrad((input) => {
    const cos = tf.tensor3d(table.cos.subarray(from, to), [T, 1, hd]);
    const sin = tf.tensor3d(table.sin.subarray(from, to), [T, 1, hd]);
    return {
      value: rotate(input as tf.Tensor4D, cos, sin),
      gradFunc: (dy: tf.Tensor) => {
        const c = tf.tensor3d(table.cos.subarray(from, to), [T, 1, hd]);
        const s = tf.neg(tf.tensor3d(table.sin.subarray(from, to), [T, 1, hd]));
        return rotate(dy as tf.Tensor4D, c, s);
      },
    };
  });
  return op(x) as tf.Tensor4D;
}
