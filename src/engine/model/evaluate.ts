// Validation loss over packed sequences, and the FLOP count used to report training throughput.
import * as tf from "@tensorflow/tfjs";
import { InvalidArgumentError } from "../../errors/index.ts";
import { headDim, type LlamaConfig } from "./config.ts";
import type { LlamaModel } from "./llama.ts";

/** Mean next-token loss over all predicted positions of all sequences (each of length T+1). */
export function evaluateLoss(model: LlamaModel, sequences: Int32Array[], batchSize: number): { loss: number; perplexity: number } {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError("batchSize", "must be a positive integer");
  if (sequences.length === 0) throw new InvalidArgumentError("sequences", "must hold at least one sequence");
  const len = sequences[0]!.length;
  if (len < 2) throw new InvalidArgumentError("sequences", "each sequence needs at least 2 tokens");
  sequences.forEach((s, i) => {
    if (s.length !== len) throw new InvalidArgumentError("sequences", `sequence ${i} has ${s.length} tokens, the first has ${len}; all must be equal`);
  });
  let sum = 0;
  for (let i = 0; i < sequences.length; i += batchSize) {
    const batch = sequences.slice(i, i + batchSize);
    const data = new Int32Array(batch.length * len);
    batch.forEach((s, j) => data.set(s, j * len));
    // Batch means are weighted by their row count so a short last batch counts by its size.
    const mean = tf.tidy(() => model.loss(tf.tensor2d(data, [batch.length, len], "int32")).dataSync()[0]!);
    sum += mean * batch.length;
  }
  const loss = sum / sequences.length;
  return { loss, perplexity: Math.exp(loss) };
}

/**
 * Training FLOPs per token (forward + backward ≈ 3 × forward): 2 per multiply-add of every matmul,
 * the head included, plus attention's q·kᵀ and p·v over the full seqLen × seqLen score matrices
 * (they are computed whole, then masked). Embedding lookups, norms and softmax are not counted.
 */
export function flopsPerToken(config: LlamaConfig, seqLen: number): number {
  const kvDim = config.nKvHeads * headDim(config);
  const perLayer = 2 * (2 * config.dim * config.dim + 2 * config.dim * kvDim + 3 * config.dim * config.ffnDim);
  const attn = 2 * 2 * seqLen * config.dim;
  const head = 2 * config.vocabSize * config.dim;
  return 3 * (config.nLayers * (perLayer + attn) + head);
}
