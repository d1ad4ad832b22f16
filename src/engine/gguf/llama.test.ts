// llama export: metadata, validation, read-back, and the end-to-end check that llama.cpp (node-llama-cpp)
// loads our f32/f16/q8_0 files, tokenizes with our vocabulary and computes the logits of a reference forward pass.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";
import { CorruptFileError, InvalidArgumentError } from "../../errors/index.ts";
import { tensorShapes, type LlamaConfig } from "../model/config.ts";
import { describeGguf, exportLlamaGguf, llamaMetadata, loadLlamaGguf, readGguf, type GgufTensorType, type GgufVocab } from "./index.ts";

const CONFIG: LlamaConfig = {
  vocabSize: 260, dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 128,
  contextLength: 128, normEps: 1e-5, ropeTheta: 10000, tieEmbeddings: true,
};
const TYPES: GgufTensorType[] = ["f32", "f16", "q8_0"];

const dir = mkdtempSync(join(tmpdir(), "llmos-gguf-llama-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** GPT-2's reversible byte -> printable character map (printable Latin-1 bytes map to themselves, the rest to U+0100…). */
function byteToUnicode(): string[] {
  const out: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    out[b] = String.fromCodePoint(printable ? b : next++);
  }
  return out;
}

/** 256 byte tokens (id = byte value), three merges building " the", and <|endoftext|> as the control token. */
function testVocab(): GgufVocab {
  const tokens = [...byteToUnicode(), "Ġt", "he", "Ġthe", "<|endoftext|>"];
  return {
    tokens,
    tokenTypes: tokens.map((_, i) => (i === 259 ? 3 : 1)),
    merges: ["Ġ t", "h e", "Ġt he"],
    bosId: 259,
    eosId: 259,
    pre: "gpt-2",
  };
}

function randomWeights(config: LlamaConfig, seed: number): Map<string, Float32Array> {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const weights = new Map<string, Float32Array>();
  for (const [name, shape] of tensorShapes(config)) {
    const count = shape.reduce((a, b) => a * b, 1);
    const inDim = shape[shape.length - 1]!;
    const scale = shape.length === 1 ? 0.2 : name === "token_embd.weight" ? 1 : 1.5 / Math.sqrt(inDim);
    weights.set(name, Float32Array.from({ length: count }, () => (shape.length === 1 ? 1 : 0) + rand() * scale));
  }
  return weights;
}

/** A plain llama forward pass in float64 with llama.cpp's conventions: [out, in] weights, rotary pairs (2i, 2i+1). */
function referenceLogits(c: LlamaConfig, w: Map<string, Float32Array>, tokens: number[]): Float64Array[] {
  const W = (name: string) => w.get(name)!;
  const hd = c.dim / c.nHeads;
  const kvDim = c.nKvHeads * hd;
  const matvec = (m: Float32Array, x: Float64Array, out: number): Float64Array => {
    const inDim = x.length;
    const y = new Float64Array(out);
    for (let o = 0; o < out; o++) {
      let acc = 0;
      for (let i = 0; i < inDim; i++) acc += m[o * inDim + i]! * x[i]!;
      y[o] = acc;
    }
    return y;
  };
  const rmsnorm = (x: Float64Array, g: Float32Array): Float64Array => {
    let ss = 0;
    for (const v of x) ss += v * v;
    const r = 1 / Math.sqrt(ss / x.length + c.normEps);
    return x.map((v, i) => v * r * g[i]!);
  };
  const rope = (v: Float64Array, pos: number): void => {
    for (let h = 0; h < v.length / hd; h++) {
      for (let i = 0; i < hd / 2; i++) {
        const a = pos * c.ropeTheta ** (-(2 * i) / hd);
        const x0 = v[h * hd + 2 * i]!, x1 = v[h * hd + 2 * i + 1]!;
        v[h * hd + 2 * i] = x0 * Math.cos(a) - x1 * Math.sin(a);
        v[h * hd + 2 * i + 1] = x0 * Math.sin(a) + x1 * Math.cos(a);
      }
    }
  };
  const keys: Float64Array[][] = Array.from({ length: c.nLayers }, () => []);
  const values: Float64Array[][] = Array.from({ length: c.nLayers }, () => []);
  const out: Float64Array[] = [];
  tokens.forEach((tok, pos) => {
    let x = Float64Array.from(W("token_embd.weight").subarray(tok * c.dim, (tok + 1) * c.dim));
    for (let l = 0; l < c.nLayers; l++) {
      const h = rmsnorm(x, W(`blk.${l}.attn_norm.weight`));
      const q = matvec(W(`blk.${l}.attn_q.weight`), h, c.dim);
      const k = matvec(W(`blk.${l}.attn_k.weight`), h, kvDim);
      const v = matvec(W(`blk.${l}.attn_v.weight`), h, kvDim);
      rope(q, pos);
      rope(k, pos);
      keys[l]!.push(k);
      values[l]!.push(v);
      const att = new Float64Array(c.dim);
      for (let head = 0; head < c.nHeads; head++) {
        const kvHead = Math.floor(head / (c.nHeads / c.nKvHeads));
        const scores = keys[l]!.map((kk) => {
          let d = 0;
          for (let i = 0; i < hd; i++) d += q[head * hd + i]! * kk[kvHead * hd + i]!;
          return d / Math.sqrt(hd);
        });
        const m = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - m));
        const z = e.reduce((a, b) => a + b, 0);
        e.forEach((p, t) => {
          for (let i = 0; i < hd; i++) att[head * hd + i] = att[head * hd + i]! + (p / z) * values[l]![t]![kvHead * hd + i]!;
        });
      }
      const proj = matvec(W(`blk.${l}.attn_output.weight`), att, c.dim);
      x = x.map((xv, i) => xv + proj[i]!);
      const h2 = rmsnorm(x, W(`blk.${l}.ffn_norm.weight`));
      const gate = matvec(W(`blk.${l}.ffn_gate.weight`), h2, c.ffnDim);
      const up = matvec(W(`blk.${l}.ffn_up.weight`), h2, c.ffnDim);
      const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
      const down = matvec(W(`blk.${l}.ffn_down.weight`), act, c.dim);
      x = x.map((xv, i) => xv + down[i]!);
    }
    const final = rmsnorm(x, W("output_norm.weight"));
    out.push(matvec(W(c.tieEmbeddings ? "token_embd.weight" : "output.weight"), final, c.vocabSize));
  });
  return out;
}

const weights = randomWeights(CONFIG, 42);
const vocab = testVocab();
const paths = new Map<GgufTensorType, string>();

test("export f32, f16 and q8_0, and read them back", async () => {
  for (const type of TYPES) {
    const path = join(dir, `tiny-${type}.gguf`);
    await exportLlamaGguf({ path, config: CONFIG, weights, vocab, type, name: `tiny-${type}`, extra: [["llmos.note", { type: "string", value: "test" }]] });
    paths.set(type, path);
    const back = await loadLlamaGguf(path);
    assert.deepEqual(back.config, CONFIG);
    assert.deepEqual(back.vocab, vocab);
    assert.equal(back.file.metadata.get("llmos.note")?.value, "test");
    assert.deepEqual([...back.weights.keys()], [...tensorShapes(CONFIG).keys()]);
    for (const [name, data] of weights) {
      const got = back.weights.get(name)!;
      const t = back.file.tensors.find((x) => x.name === name)!;
      if (name.endsWith("norm.weight")) {
        assert.equal(t.typeName, "F32", name);
        assert.deepEqual(got, data, name);
        continue;
      }
      assert.equal(t.typeName, type.toUpperCase(), name);
      let maxErr = 0, maxAbs = 0;
      for (let i = 0; i < data.length; i++) {
        maxErr = Math.max(maxErr, Math.abs(got[i]! - data[i]!));
        maxAbs = Math.max(maxAbs, Math.abs(data[i]!));
      }
      const bound = type === "f32" ? 0 : type === "f16" ? maxAbs * 2 ** -11 : (maxAbs / 127) * 0.57;
      assert.ok(maxErr <= bound, `${type} ${name}: max error ${maxErr} > ${bound}`);
    }
  }
  const sizes = TYPES.map((t) => statSync(paths.get(t)!).size);
  assert.ok(sizes[0]! > sizes[1]! && sizes[1]! > sizes[2]!, `sizes ${sizes.join(", ")}`);
});

test("llamaMetadata holds the keys llama.cpp reads, with the right types", () => {
  const meta = new Map(llamaMetadata(CONFIG, vocab, { name: "tiny", fileType: "q8_0" }));
  const expect: Array<[string, string, unknown]> = [
    ["general.architecture", "string", "llama"], ["general.name", "string", "tiny"], ["general.alignment", "uint32", 32],
    ["general.file_type", "uint32", 7], ["general.quantization_version", "uint32", 2],
    ["llama.vocab_size", "uint32", 260], ["llama.context_length", "uint32", 128], ["llama.embedding_length", "uint32", 64],
    ["llama.block_count", "uint32", 2], ["llama.feed_forward_length", "uint32", 128], ["llama.rope.dimension_count", "uint32", 16],
    ["llama.attention.head_count", "uint32", 4], ["llama.attention.head_count_kv", "uint32", 2],
    ["llama.attention.layer_norm_rms_epsilon", "float32", 1e-5], ["llama.rope.freq_base", "float32", 10000],
    ["tokenizer.ggml.model", "string", "gpt2"], ["tokenizer.ggml.pre", "string", "gpt-2"],
    ["tokenizer.ggml.bos_token_id", "uint32", 259], ["tokenizer.ggml.eos_token_id", "uint32", 259],
    ["tokenizer.ggml.add_bos_token", "bool", false],
  ];
  for (const [key, type, value] of expect) {
    assert.equal(meta.get(key)?.type, type, key);
    assert.equal(meta.get(key)?.value, value, key);
  }
  const tokens = meta.get("tokenizer.ggml.tokens")!;
  assert.ok(tokens.type === "array" && tokens.itemType === "string" && tokens.value.length === 260);
  const types = meta.get("tokenizer.ggml.token_type")!;
  assert.ok(types.type === "array" && types.itemType === "int32" && types.value[259] === 3);
  assert.equal(new Map(llamaMetadata(CONFIG, vocab, { name: "x", fileType: "f16" })).get("general.file_type")?.value, 1);
  assert.equal(new Map(llamaMetadata(CONFIG, vocab, { name: "x", fileType: "f32" })).has("general.quantization_version"), false);
});

test("export rejects mismatched weights, vocabularies and types with clear errors", async () => {
  const path = join(dir, "bad.gguf");
  const base = { path, config: CONFIG, weights, vocab, type: "f32" as GgufTensorType, name: "bad" };
  const without = new Map(weights);
  without.delete("blk.1.ffn_up.weight");
  const extra = new Map(weights).set("output.weight", new Float32Array(260 * 64));
  const short = new Map(weights).set("blk.0.attn_q.weight", new Float32Array(10));
  const nan = new Map(weights).set("blk.0.attn_k.weight", new Float32Array(32 * 64).fill(Number.NaN));
  const cases: Array<[object, RegExp]> = [
    [{ weights: without }, /weights 'blk\.1\.ffn_up\.weight': is missing/],
    [{ weights: extra }, /weights 'output\.weight': is not a tensor of this llama config/],
    [{ weights: short }, /has 10 values, expected \[64, 64\] = 4096/],
    [{ weights: nan }, /weights 'blk\.0\.attn_k\.weight': value 0 is not finite/],
    [{ vocab: { ...vocab, tokens: vocab.tokens.slice(1) } }, /vocab\.tokens: must hold vocabSize \(260\) tokens, got 259/],
    [{ vocab: { ...vocab, merges: ["Ġt"] } }, /vocab\.merges\[0\]: must be two tokens/],
    [{ vocab: { ...vocab, eosId: 260 } }, /vocab\.eosId: must be a token id below 260/],
    [{ vocab: { ...vocab, tokenTypes: vocab.tokenTypes.map(() => 9) } }, /vocab\.tokenTypes\[0\]/],
    [{ type: "q4_0" }, /type: must be f32, f16 or q8_0/],
    [{ config: { ...CONFIG, dim: 48, nHeads: 4, nKvHeads: 2 }, type: "q8_0" }, /q8_0 needs dim and ffnDim to be multiples of 32 \(got 48 and 128\)/],
    [{ config: { ...CONFIG, nHeads: 3 } }, /nHeads/],
    [{ extra: [["general.name", { type: "string", value: "x" }]] }, /extra metadata 'general\.name': is set by the llama export itself/],
  ];
  for (const [change, re] of cases) {
    await assert.rejects(exportLlamaGguf({ ...base, ...change } as typeof base), (e: unknown) => e instanceof InvalidArgumentError && re.test(e.message), String(re));
  }
  await assert.rejects(readGguf(path), /file is missing/); // nothing was written
});

test("describeGguf of an exported model", async () => {
  const text = describeGguf(await readGguf(paths.get("q8_0")!));
  assert.match(text, /architecture +llama/);
  assert.match(text, /name +"tiny-q8_0"/);
  assert.match(text, /parameters +\d+\.\d+K \(\d+\)/);
  assert.match(text, /tensors +20: 15 Q8_0, 5 F32/);
  assert.match(text, /tokenizer\.ggml\.tokens \(string\[\]\) = \[260 items\]/);
  assert.match(text, /llama\.attention\.layer_norm_rms_epsilon \(float32\) = 0\.00001/);
});

let llama: Llama | undefined;
after(async () => {
  await llama?.dispose();
});

test("llama.cpp loads each export, reads its metadata and vocabulary, and computes the reference logits", async (t) => {
  llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error, progressLogs: false });
  const tokens = [259, 258, 32, 257, 108, 108, 111, 46];
  const expected = referenceLogits(CONFIG, weights, tokens);
  for (const type of TYPES) {
    const path = paths.get(type)!;
    const model = await llama.loadModel({ modelPath: path, gpuLayers: 0 });
    try {
      assert.equal(model.trainContextSize, 128);
      assert.equal(model.embeddingVectorSize, 64);
      assert.equal(model.vocabularyType, "bpe");
      assert.equal(model.tokens.bos, 259);
      assert.equal(model.tokens.eos, 259);
      assert.equal(model.tokens.shouldPrependBosToken, false);
      assert.equal(model.fileInfo.metadata.general.name, `tiny-${type}`);
      assert.match(model.typeDescription, type === "f32" ? /F32/i : type === "f16" ? /F16/i : /Q8_0/i);

      // Our three merges and byte tokens: " the hello" -> [" the", " ", "he", "l", "l", "o"].
      assert.deepEqual(Array.from(model.tokenize(" the hello"), Number), [258, 32, 257, 108, 108, 111]);
      assert.deepEqual(Array.from(model.tokenize("é"), Number), [195, 169]);
      assert.deepEqual(Array.from(model.tokenize("<|endoftext|>", true), Number), [259]);
      assert.equal(model.detokenize([258, 32, 257, 108, 108, 111] as never[]), " the hello");

      const context = await model.createContext({
        contextSize: 128, sequences: 1, flashAttention: false,
        experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
      });
      try {
        const sequence = context.getSequence();
        const out = await sequence.controlledEvaluate(tokens.map((t) => [t as never, { generateNext: { logits: true } }]));
        // The reference runs on the weights as stored (dequantised), so only llama.cpp's arithmetic differs:
        // f32 exactly as written; f16 and q8_0 matmuls also round the activations to f16 / q8_0.
        const ref = type === "f32" ? expected : referenceLogits(CONFIG, (await loadLlamaGguf(path)).weights, tokens);
        let maxDiff = 0, maxAbs = 0;
        out.forEach((item, pos) => {
          const logits = item?.next?.logits;
          assert.ok(logits, `no logits at position ${pos}`);
          const row = new Float64Array(CONFIG.vocabSize);
          for (const [tok, v] of logits) row[Number(tok)] = v;
          for (let i = 0; i < row.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(row[i]! - ref[pos]![i]!));
            maxAbs = Math.max(maxAbs, Math.abs(ref[pos]![i]!));
          }
        });
        // Measured: f32 3.6e-6, f16 6e-3, q8_0 0.22 with max |logit| 28.5.
        const tolerance = type === "f32" ? 1e-3 : type === "f16" ? 2e-3 * maxAbs : 0.03 * maxAbs;
        t.diagnostic(`${type}: max |llama.cpp - reference| = ${maxDiff.toExponential(2)} (max |logit| ${maxAbs.toFixed(2)})`);
        assert.ok(maxAbs > 1, "logits are not trivially small");
        assert.ok(maxDiff <= tolerance, `${type}: logits differ by ${maxDiff} (tolerance ${tolerance})`);
        sequence.dispose();
      } finally {
        await context.dispose();
      }
    } finally {
      await model.dispose();
    }
  }
});

test("readGguf accepts the file llama.cpp loaded and rejects a truncated copy of it", async () => {
  const good = paths.get("q8_0")!;
  const f = await readGguf(good);
  assert.equal(f.metadata.get("general.architecture")?.value, "llama");
  assert.equal(f.tensors.length, 20);
  const bad = join(dir, "truncated.gguf");
  copyFileSync(good, bad);
  truncateSync(bad, f.fileSize - 4000);
  await assert.rejects(readGguf(bad), (e: unknown) => e instanceof CorruptFileError && /truncated\.gguf: tensor '.*' data .* runs past the end of the file/.test(e.message));
  await assert.rejects(loadLlamaGguf(bad), CorruptFileError);
  assert.ok(llama);
  await assert.rejects(llama.loadModel({ modelPath: bad, gpuLayers: 0 }));
});
