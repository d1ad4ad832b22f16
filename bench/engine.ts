// Engine benchmark: training tokens/s and GFLOP/s of the native engine on the `default` preset
// (real trainer: forward, backward, clipping, AdamW), and generation tokens/s of the same model in
// the native engine and in llama.cpp (F32, F16, Q8_0 exports), side by side in one run.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportLlamaGguf, loadLlamaGguf, type GgufTensorType } from "../src/engine/gguf/index.ts";
import { flopsPerToken, initBackend, LlamaModel, PRESETS } from "../src/engine/model/index.ts";
import { BpeTokenizer, trainBpe } from "../src/engine/tokenizer/index.ts";
import { train } from "../src/engine/train/index.ts";
import { LlamaCppModel } from "../src/runtime/index.ts";
import { sotuText } from "../test/helpers/corpus.ts";

const DEFAULT_GGUF = "models/default/model.gguf";
const GEN_TOKENS = 128;
const PROMPT = "The state of the Union";

async function trainSpeed(dir: string, tokenizer: BpeTokenizer, steps: number) {
  const corpus = join(dir, "corpus.txt");
  writeFileSync(corpus, sotuText(1_500_000));
  const tok = join(dir, "tok.json");
  await tokenizer.save(tok);
  const batchSize = 8;
  const result = await train({
    data: [corpus], config: "default", tokenizer: tok, out: join(dir, "run"), maxSteps: steps, batchSize,
    evalEvery: steps, evalBatches: 1, checkpointEvery: steps, seed: 1,
  });
  const config = { ...PRESETS.default!, vocabSize: tokenizer.vocabSize };
  const seqLen = config.contextLength;
  return {
    steps, batchSize, seqLen,
    tokensPerSecond: result.tokensPerSecond,
    gflops: (result.tokensPerSecond * flopsPerToken(config, seqLen)) / 1e9,
  };
}

function nativeGenSpeed(model: LlamaModel, prompt: number[]): number {
  model.generate(prompt, { maxTokens: 8, temperature: 0 }); // warm-up
  const t0 = performance.now();
  const out = model.generate(prompt, { maxTokens: GEN_TOKENS, temperature: 0 });
  return out.length / ((performance.now() - t0) / 1000);
}

async function llamaCppGenSpeed(path: string, prompt: number[], threads?: number): Promise<number> {
  const m = await LlamaCppModel.load(path, threads === undefined ? {} : { threads });
  try {
    await m.generateIds(prompt, { maxTokens: 8, temperature: 0 });
    const t0 = performance.now();
    const out = await m.generateIds(prompt, { maxTokens: GEN_TOKENS, temperature: 0 });
    return out.length / ((performance.now() - t0) / 1000);
  } finally {
    await m.dispose();
  }
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), "llmos-bench-"));
  try {
    const steps = Number(args[0] ?? 12);
    let model: LlamaModel;
    let tokenizer: BpeTokenizer;
    let source: string;
    if (existsSync(DEFAULT_GGUF)) {
      const loaded = await loadLlamaGguf(DEFAULT_GGUF);
      tokenizer = BpeTokenizer.fromJSON({ type: "byte-bpe", version: 1, pre: loaded.vocab.pre, tokens: loaded.vocab.tokens, merges: loaded.vocab.merges, special: { "<|endoftext|>": loaded.vocab.eosId } });
      model = LlamaModel.fromWeights(loaded.config, loaded.weights);
      source = DEFAULT_GGUF;
    } else {
      tokenizer = trainBpe([sotuText(2_000_000)], { vocabSize: 4096 });
      model = LlamaModel.create({ ...PRESETS.default!, vocabSize: tokenizer.vocabSize }, { seed: 1 });
      source = "random init (default preset; models/default/model.gguf not found)";
    }
    const training = await trainSpeed(dir, tokenizer, steps);
    const prompt = tokenizer.encode(PROMPT);
    const native = nativeGenSpeed(model, prompt);
    const llamacpp: Record<string, number> = {};
    const llamacpp1: Record<string, number> = {};
    const sizes: Record<string, number> = {};
    for (const type of ["f32", "f16", "q8_0"] as GgufTensorType[]) {
      const path = join(dir, `m-${type}.gguf`);
      await exportLlamaGguf({ path, config: model.config, weights: model.weights(), vocab: tokenizer, type, name: "bench" });
      sizes[type] = statSync(path).size;
      llamacpp[type] = await llamaCppGenSpeed(path, prompt);
      llamacpp1[type] = await llamaCppGenSpeed(path, prompt, 1);
    }
    model.dispose();
    return {
      model: source,
      config: model.config,
      train_steps_measured: training.steps,
      train_batch: `${training.batchSize} x ${training.seqLen}`,
      train_tokens_per_s: training.tokensPerSecond,
      train_gflops: training.gflops,
      gen_tokens: GEN_TOKENS,
      native_gen_tokens_per_s: native,
      llamacpp_gen_tokens_per_s: llamacpp,
      llamacpp_gen_tokens_per_s_1_thread: llamacpp1,
      llamacpp_over_native: Object.fromEntries(Object.entries(llamacpp).map(([k, v]) => [k, v / native])),
      gguf_bytes: sizes,
      notes: "native engine: tfjs wasm backend, one thread; llama.cpp: CPU prebuilt, default threads (all cores) and 1 thread; greedy decoding",
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
