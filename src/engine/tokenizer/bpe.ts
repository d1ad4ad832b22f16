// Byte-level BPE tokenizer (GPT-2 style) whose ids match llama.cpp's for a GGUF with
// tokenizer.ggml.model = "gpt2" and tokenizer.ggml.pre = "gpt-2".
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../../store/index.ts";
import { CorruptFileError, InvalidArgumentError, NotFoundError } from "../../errors/index.ts";
import { parseTokenizerJson, type TokenizerJson, type TokenizerParts } from "./json.ts";
import { applyMerges } from "./merge.ts";
import { forEachPiece } from "./pretokenize.ts";
import { utf8Bytes } from "./utf8.ts";

/** Pre-tokens cached per tokenizer; the cache is dropped when it grows past this. */
const CACHE_LIMIT = 100_000;
/** Longer pieces (digit or whitespace runs, long words) are rare repeats: not worth keeping. */
const CACHE_MAX_PIECE = 64;

export class BpeTokenizer {
  readonly vocabSize: number;
  readonly tokens: string[];
  readonly tokenTypes: number[];
  readonly merges: string[];
  readonly bosId: number;
  readonly eosId: number;
  readonly pre = "gpt-2" as const;
  private readonly parts: TokenizerParts;
  private readonly cache = new Map<string, number[]>();
  // ignoreBOM keeps a leading U+FEFF in the text instead of swallowing it.
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  private constructor(parts: TokenizerParts) {
    this.parts = parts;
    this.tokens = parts.tokens;
    this.merges = parts.merges;
    this.vocabSize = parts.tokens.length;
    // GGUF token types: 1 normal, 3 control.
    this.tokenTypes = Object.freeze(Array.from(parts.isSpecial, (s) => (s ? 3 : 1))) as number[];
    this.bosId = parts.endOfText;
    this.eosId = parts.endOfText;
  }

  /** Builds a tokenizer from its JSON form; `where` names the source in error messages. */
  static fromJSON(json: unknown, where = "tokenizer JSON"): BpeTokenizer {
    return new BpeTokenizer(parseTokenizerJson(json, where));
  }

  static async load(path: string): Promise<BpeTokenizer> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === "ENOENT") throw new NotFoundError("tokenizer file", path, "check the path", { cause });
      throw new CorruptFileError(path, `cannot be read (${(cause as NodeJS.ErrnoException).code ?? "I/O error"})`, { cause });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      // The parser's message quotes file content, so it stays out of ours.
      throw new CorruptFileError(path, "is not valid JSON; expected a tokenizer written by `llmos tokenizer train`", { cause });
    }
    return BpeTokenizer.fromJSON(json, path);
  }

  toJSON(): TokenizerJson {
    return { type: "byte-bpe", version: 1, pre: "gpt-2", tokens: [...this.tokens], merges: [...this.merges], special: { ...this.parts.special } };
  }

  /** Writes the JSON form atomically: a temporary file beside `path`, synced, then renamed over it. */
  async save(path: string): Promise<void> {
    await writeFileAtomic(path, JSON.stringify(this.toJSON()));
  }

  /** Token ids of plain text; "<|endoftext|>" in the text is encoded as ordinary characters. */
  encode(text: string): number[] {
    if (typeof text !== "string") throw new InvalidArgumentError("text", "must be a string");
    const out: number[] = [];
    forEachPiece(text, (start, end) => {
      const piece = text.slice(start, end);
      let ids = this.cache.get(piece);
      if (ids === undefined) {
        // Ids 0..255 are the byte tokens, so a piece's bytes are its starting token ids. Every merge
        // yields a token (checked on load), so llama.cpp's byte fallback for unknown pieces never applies.
        ids = applyMerges(utf8Bytes(piece), this.parts.table);
        if (piece.length <= CACHE_MAX_PIECE) {
          if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
          this.cache.set(piece, ids);
        }
      }
      for (const id of ids) out.push(id);
    });
    return out;
  }

  /** Text of token ids. Special tokens decode to nothing (as llama.cpp does without `special`). */
  decode(ids: number[]): string {
    const bytes: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const b = Number.isInteger(id) && id >= 0 ? this.parts.tokenBytes[id] : undefined;
      if (b === undefined) throw new InvalidArgumentError("ids", `entry ${i} is not a token id (0..${this.vocabSize - 1})`);
      bytes.push(b);
      total += b.length;
    }
    const all = new Uint8Array(total);
    let at = 0;
    for (const b of bytes) {
      all.set(b, at);
      at += b.length;
    }
    return this.decoder.decode(all);
  }
}
