// The tokenizer's JSON form and its validation. Messages name the file and the offending index,
// never the token text (which comes from user data).
import { CorruptFileError } from "../../errors/index.ts";
import { BYTE_TO_CHAR, tokenStringToBytes } from "./bytes.ts";
import { MAX_TOKENS, pairKey, type MergeTable } from "./merge.ts";

export const END_OF_TEXT = "<|endoftext|>";

export interface TokenizerJson {
  type: "byte-bpe";
  version: 1;
  pre: "gpt-2";
  /** Every token in id order: 256 byte tokens, merged tokens, then special tokens. */
  tokens: string[];
  /** "left right" in rank order. */
  merges: string[];
  /** Special (control) tokens: token string -> id. Must include "<|endoftext|>". */
  special: Record<string, number>;
}

/** What the tokenizer needs at run time, derived from a validated TokenizerJson. */
export interface TokenizerParts {
  tokens: string[];
  merges: string[];
  special: Record<string, number>;
  /** Bytes per token; empty for special tokens. */
  tokenBytes: Uint8Array[];
  isSpecial: Uint8Array;
  table: MergeTable;
  endOfText: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function parseTokenizerJson(json: unknown, where: string): TokenizerParts {
  const fail = (problem: string): never => {
    throw new CorruptFileError(where, problem);
  };
  if (!isRecord(json)) return fail("is not a tokenizer object (expected a JSON object)");
  if (json.type !== "byte-bpe") fail('has no "type": "byte-bpe"; it is not a byte-level BPE tokenizer');
  if (json.version !== 1) {
    // Only numbers are echoed: the message must not carry arbitrary file content.
    const v = typeof json.version === "number" ? `version ${json.version}` : "a missing or non-numeric version";
    fail(`has ${v}; only version 1 is known`);
  }
  if (json.pre !== "gpt-2") fail('has an unsupported pre-tokenizer; only "gpt-2" is known');
  const { tokens, merges, special } = json;
  if (!Array.isArray(tokens)) return fail('"tokens" must be an array of strings');
  if (!Array.isArray(merges)) return fail('"merges" must be an array of strings');
  if (!isRecord(special)) return fail('"special" must be an object mapping token strings to ids');
  if (tokens.length < 257) fail(`"tokens" has ${tokens.length} entries; at least 256 byte tokens and <|endoftext|> are needed`);
  if (tokens.length > MAX_TOKENS) fail(`"tokens" has ${tokens.length} entries, over the limit of ${MAX_TOKENS}`);

  const ids = new Map<string, number>();
  tokens.forEach((t, id) => {
    if (typeof t !== "string" || t.length === 0) fail(`token ${id} must be a non-empty string`);
    const seen = ids.get(t as string);
    if (seen !== undefined) fail(`token ${id} duplicates token ${seen}`);
    ids.set(t as string, id);
  });
  for (let b = 0; b < 256; b++) {
    if (tokens[b] !== BYTE_TO_CHAR[b]) fail(`token ${b} must be the byte token for byte ${b} (ids 0..255 are the 256 bytes in order)`);
  }

  const isSpecial = new Uint8Array(tokens.length);
  for (const [text, id] of Object.entries(special)) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 256 || id >= tokens.length || tokens[id] !== text) {
      fail(`special token entry ${typeof id === "number" ? `with id ${id} ` : ""}does not match the token list`);
    }
    isSpecial[id as number] = 1;
  }
  const endOfText = special[END_OF_TEXT];
  if (typeof endOfText !== "number") fail('"special" must contain <|endoftext|>');

  const tokenBytes: Uint8Array[] = [];
  tokens.forEach((t, id) => {
    if (isSpecial[id]) return tokenBytes.push(new Uint8Array(0));
    const bytes = tokenStringToBytes(t as string);
    if (bytes === null) fail(`token ${id} contains a character outside the GPT-2 byte map`);
    tokenBytes.push(bytes as Uint8Array);
  });

  const rank = new Map<number, number>();
  const result = new Int32Array(merges.length);
  merges.forEach((m, r) => {
    if (typeof m !== "string") return fail(`merge ${r} must be a string "left right"`);
    const space = m.indexOf(" ");
    if (space <= 0 || space === m.length - 1 || m.indexOf(" ", space + 1) >= 0) fail(`merge ${r} must be two tokens separated by one space`);
    const left = ids.get(m.slice(0, space));
    const right = ids.get(m.slice(space + 1));
    if (left === undefined || right === undefined) return fail(`merge ${r} refers to a token that is not in "tokens"`);
    const merged = ids.get(m.slice(0, space) + m.slice(space + 1));
    if (merged === undefined) return fail(`merge ${r} makes a token that is not in "tokens"`);
    if (isSpecial[left] || isSpecial[right] || isSpecial[merged]) fail(`merge ${r} involves a special token`);
    const key = pairKey(left, right);
    const earlier = rank.get(key);
    if (earlier !== undefined) fail(`merge ${r} repeats merge ${earlier}`);
    rank.set(key, r);
    result[r] = merged;
  });

  return {
    tokens: Object.freeze((tokens as string[]).slice()) as string[],
    merges: Object.freeze((merges as string[]).slice()) as string[],
    special: { ...(special as Record<string, number>) },
    tokenBytes,
    isSpecial,
    table: { rank, result },
    endOfText: endOfText as number,
  };
}
