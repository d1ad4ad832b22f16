// Key/value cache for incremental decoding: per layer, the rotated keys and the values of every
// position fed so far, as tensors [1, position, nKvHeads, headDim] owned by the cache.
import * as tf from "@tensorflow/tfjs";

export class KvCache {
  /** Tokens fed so far; the next token sits at this position. */
  position = 0;
  /** @internal per layer: keys/values so far (undefined before the first chunk). */
  keys: (tf.Tensor4D | undefined)[];
  /** @internal */
  values: (tf.Tensor4D | undefined)[];
  private disposed = false;

  /** @internal created by LlamaModel.createCache(); `owner` ties the cache to its model. */
  constructor(readonly owner: object, nLayers: number) {
    this.keys = new Array<tf.Tensor4D | undefined>(nLayers).fill(undefined);
    this.values = new Array<tf.Tensor4D | undefined>(nLayers).fill(undefined);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** @internal replaces one layer's tensors (already kept out of any tidy) and frees the old ones. */
  store(layer: number, k: tf.Tensor4D, v: tf.Tensor4D): void {
    this.keys[layer]?.dispose();
    this.values[layer]?.dispose();
    this.keys[layer] = k;
    this.values[layer] = v;
  }

  /** Frees the cached tensors and rewinds to position 0 (the cache stays usable). */
  reset(): void {
    for (const t of [...this.keys, ...this.values]) t?.dispose();
    this.keys.fill(undefined);
    this.values.fill(undefined);
    this.position = 0;
  }

  dispose(): void {
    this.reset();
    this.disposed = true;
  }
}
