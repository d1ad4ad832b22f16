// Training data: reads corpora (.txt / .jsonl), tokenizes them into one stream with EOS between
// documents, packs the stream into fixed-length sequences, splits train/validation and orders batches.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { CorruptFileError, InvalidArgumentError, NotFoundError } from "../../errors/index.ts";
import { Rng, type RngState } from "./rng.ts";

/** What the data pipeline needs from a tokenizer. */
export interface TokenEncoder {
  encode(text: string): number[];
  eosId: number;
}

async function readText(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new NotFoundError("data file", file, "check the --data path", { cause });
    throw new CorruptFileError(file, `cannot be read (${code ?? "I/O error"})`, { cause });
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new CorruptFileError(file, "is not valid UTF-8 text", { cause });
  }
}

function parseJsonl(file: string, text: string): string[] {
  const docs: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const where = `${file}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new CorruptFileError(where, "is not valid JSON");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new CorruptFileError(where, "is not a JSON object");
    const t = (value as Record<string, unknown>).text;
    if (typeof t !== "string") throw new CorruptFileError(where, "has no string field \"text\"");
    docs.push(t);
  }
  return docs;
}

/**
 * Reads documents from the files in order. A `.jsonl` / `.ndjson` file holds one JSON object per
 * line with a string field "text" (one document each; blank lines are skipped). Any other file is
 * UTF-8 text and is ONE document: its paragraph breaks stay inside the text, so the model learns
 * them as text rather than as document ends.
 */
export async function readDocuments(files: string[]): Promise<string[]> {
  const docs: string[] = [];
  for (const file of files) {
    const text = await readText(file);
    const ext = extname(file).toLowerCase();
    if (ext === ".jsonl" || ext === ".ndjson") docs.push(...parseJsonl(file, text));
    else docs.push(text);
  }
  return docs;
}

/** Tokenizes every document and joins them into one stream, each followed by EOS. Empty documents are dropped. */
export function tokenizeDocuments(docs: Iterable<string>, tokenizer: TokenEncoder): Int32Array {
  let out = new Int32Array(1024);
  let n = 0;
  for (const doc of docs) {
    if (doc.length === 0) continue;
    const ids = tokenizer.encode(doc);
    if (n + ids.length + 1 > out.length) {
      const grown = new Int32Array(Math.max(out.length * 2, n + ids.length + 1));
      grown.set(out.subarray(0, n));
      out = grown;
    }
    out.set(ids, n);
    n += ids.length;
    out[n++] = tokenizer.eosId;
  }
  if (n === 0) throw new InvalidArgumentError("data", "the corpus is empty: the files hold no text");
  return out.slice(0, n);
}

/**
 * Cuts the stream into windows of seqLen + 1 tokens with stride seqLen, so consecutive windows share
 * one token: inputs are window[0..T) and targets window[1..T]. The tail shorter than a window is dropped.
 */
export function packSequences(tokens: Int32Array, seqLen: number): Int32Array[] {
  if (tokens.length < seqLen + 1) {
    throw new InvalidArgumentError("data", `the corpus is too small: ${tokens.length} tokens, but one sequence needs seqLen + 1 = ${seqLen + 1}; add data or lower the sequence length`);
  }
  const count = Math.floor((tokens.length - 1) / seqLen);
  const seqs: Int32Array[] = [];
  for (let i = 0; i < count; i++) seqs.push(tokens.subarray(i * seqLen, i * seqLen + seqLen + 1));
  return seqs;
}

export interface DataSplit {
  train: Int32Array[];
  val: Int32Array[];
}

/** Seeded shuffle, then the first max(1, round(n·valFraction)) sequences are validation. */
export function splitSequences(seqs: Int32Array[], valFraction: number, seed: number): DataSplit {
  if (seqs.length < 2) {
    throw new InvalidArgumentError("data", `the corpus is too small: it packs into ${seqs.length} sequence(s), but training needs at least 2 (one for training, one for validation); add data or lower the sequence length`);
  }
  const order = Rng.fromSeed(seed ^ 0x5911_7000).shuffle(seqs.map((_, i) => i));
  const nVal = Math.min(seqs.length - 1, Math.max(1, Math.round(seqs.length * valFraction)));
  return { val: order.slice(0, nVal).map((i) => seqs[i]!), train: order.slice(nVal).map((i) => seqs[i]!) };
}

/** A fingerprint of the token stream, so a resumed run can check it trains on the same data. */
export function corpusFingerprint(tokens: Int32Array): { tokens: number; sha256: string } {
  const h = createHash("sha256").update(new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength));
  return { tokens: tokens.length, sha256: h.digest("hex") };
}

export interface DataOrderState {
  /** Passes over the training set completed so far. */
  epoch: number;
  /** Next position within this epoch's permutation. */
  cursor: number;
  /** RNG state from which this epoch's permutation was drawn. */
  rng: RngState;
}

/** The order in which training sequences are visited: a fresh seeded permutation per epoch. */
export class DataOrder {
  private rng: Rng;
  private epochRng: RngState;
  private perm: number[] = [];
  private epoch: number;
  private cursor: number;

  constructor(private readonly count: number, state: DataOrderState) {
    if (state.cursor < 0 || state.cursor > count) throw new RangeError(`data order cursor ${state.cursor} outside [0, ${count}]`);
    this.rng = new Rng(state.rng);
    this.epochRng = state.rng;
    this.perm = this.drawPermutation();
    this.epoch = state.epoch;
    this.cursor = state.cursor;
  }

  static start(count: number, seed: number): DataOrder {
    return new DataOrder(count, { epoch: 0, cursor: 0, rng: Rng.fromSeed(seed ^ 0x0d47_a000).state() });
  }

  private drawPermutation(): number[] {
    return this.rng.shuffle(Array.from({ length: this.count }, (_, i) => i));
  }

  /** The next n sequence indices, starting a new epoch (new permutation) whenever one runs out. */
  next(n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      if (this.cursor === this.count) {
        this.epochRng = this.rng.state();
        this.perm = this.drawPermutation();
        this.epoch++;
        this.cursor = 0;
      }
      out.push(this.perm[this.cursor++]!);
    }
    return out;
  }

  state(): DataOrderState {
    return { epoch: this.epoch, cursor: this.cursor, rng: [...this.epochRng] as RngState };
  }
}

/** Copies the chosen sequences into one row-major [n, T+1] int32 buffer. */
export function batchTokens(seqs: Int32Array[], indices: number[]): Int32Array {
  const width = seqs[0]!.length;
  const out = new Int32Array(indices.length * width);
  indices.forEach((idx, row) => out.set(seqs[idx]!, row * width));
  return out;
}
