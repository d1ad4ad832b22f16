// Names, places and organisations: a greedy averaged-perceptron tagger (BIO tags) over lexicon,
// shape and context features, trained by train-ner.ts on sentences that synth.ts generates.
import { readFileSync } from "node:fs";
import { findAddresses } from "./address.ts";
import { lexicons, type Lexicons } from "./lexicon.ts";
import { conjFeature, isBoundary, markMultiPlace, neighborFeatures, ownFeatures, tagFeatures, tokenBits } from "./features.ts";
import { Perceptron, type PerceptronWeights } from "./perceptron.ts";
import { isLowerCased, recase } from "./recase.ts";
import { maskTokens, tokenize, type Token } from "./tokenize.ts";
import type { Candidate } from "./types.ts";
import { joinAddressParts, spansFromTags, unknownCapitalised, withAddresses } from "./spans.ts";

export const NER_TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"];
export const WEIGHTS_URL = new URL("./model/ner-weights.json", import.meta.url);

// Lower-case particles that may begin a name ("van Gogh", "de la Cruz"); other lower-case words
// after an "O" are "O" without scoring, which is most of the tagger's speed.
const NAME_PARTICLES = new Set(["de", "da", "di", "du", "del", "della", "van", "von", "der", "den", "ten", "ter", "bin", "ibn", "al", "el", "le", "la", "dos", "das", "do"]);

// Lower-case words that may continue a name, place or organisation ("Bank of X", "Rio de Janeiro",
// "Smith and Sons"); any other lower-case word ends the entity.
const CONTINUERS = new Set<string>([...NAME_PARTICLES, "of", "and", "the", "y", "e", "et", "und", "on", "upon", "am", "an", "im", "sur", "st", "nad", "pod", "del", "les", "los", "las", "für", "zu", "zum", "zur", "van", "ter", "aan", "op"]);

/** A word that starts lower-case and cannot continue an entity is "O" without scoring (speed). */
// Every particle and continuer has at most five letters: longer words skip the set lookup.
const SHORT = 5;

export function skippable(tok: Token, prevTag: string): boolean {
  if (prevTag !== "O") {
    const code = tok.text.charCodeAt(0);
    return code >= 97 && code <= 122 && (tok.text.length > SHORT || !CONTINUERS.has(tok.text));
  }
  const code = tok.text.charCodeAt(0);
  if (code === 10) return true;
  if (code >= 97 && code <= 122) return tok.text.length > SHORT || !NAME_PARTICLES.has(tok.text);
  if (code < 128) return !((code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 35);
  const c = tok.text[0]!;
  if (c.toLowerCase() === c && c.toUpperCase() !== c) return !NAME_PARTICLES.has(tok.text);
  return tok.text.length === 1 && /^[^\p{L}\p{N}]$/u.test(c);
}

const CACHE_LIMIT = 40_000;
// Chosen on our own held-out sentences, never on the eval set: train-ner.ts --heldout (train on even
// templates, score on odd ones with unseen names) and scripts/pii-heldout2.ts. Margins 3-6 raised
// both; 3 applied to every entity tag cost places precision, so it applies to person tags only.
export const O_MARGIN = 3;
const UNKNOWN_NAMES = false;
const NONE = "\u0000";
const TAG_OR_START = [...NER_TAGS, "<s>"];
const I_PER = NER_TAGS.indexOf("I-PER");

export class NameTagger {
  private readonly model: Perceptron;
  private readonly lex: Lexicons;
  // The score is a sum of feature weights, so the part that depends only on one token's text at one
  // offset (or on the previous tags) is computed once and reused: the tagger's main speed-up.
  private readonly rowCache = new Map<string, Float64Array>();
  private readonly noneRow: Float64Array;
  private readonly conjCache: (Float64Array | undefined)[] = [];
  private sawStreet = false;
  /** Report capitalised words the tagger left alone, unknown to the lexicons, as low-score names. */
  unknownNames = UNKNOWN_NAMES;
  private readonly tagCache: (Float64Array | undefined)[] = [];
  private readonly scores = new Float64Array(NER_TAGS.length);
  private readonly mp: Float64Array[];
  private marks = new Uint8Array(256);
  private readonly rows: (Float64Array | undefined)[] = [];

  /** How far "O" must lead the best entity tag (in perceptron score units) to be chosen. */
  oMargin = O_MARGIN;

  constructor(model: Perceptron, lex = lexicons()) {
    this.model = model;
    this.lex = lex;
    this.noneRow = this.tokenRow(undefined);
    this.mp = ["", "mp=B", "mp=I"].map((f) => {
      const v = new Float64Array(NER_TAGS.length);
      if (f) model.accumulate([f], v);
      return v;
    });
  }

  static load(path: URL | string = WEIGHTS_URL): NameTagger {
    return new NameTagger(Perceptron.load(JSON.parse(readFileSync(path, "utf8")) as PerceptronWeights));
  }

  /** Tags of the tokens (greedy, left to right). */
  tag(tokens: Token[]): string[] {
    return Array.from(this.tagIndices(tokens), (t) => NER_TAGS[t]!);
  }

  /** The same as indices into NER_TAGS (no strings: the hot path). */
  tagIndices(tokens: Token[]): Uint8Array {
    const n = NER_TAGS.length;
    const START = n; // index of "<s>"
    const tags = new Uint8Array(tokens.length);
    // Multi-word place names are matched lazily, only where a scored token may start one. The marks
    // and rows are scratch space reused across calls (most texts are short: allocation showed up).
    if (this.marks.length < tokens.length) this.marks = new Uint8Array(Math.max(tokens.length, 2 * this.marks.length));
    const marks = this.marks;
    marks.fill(0, 0, tokens.length);
    const scores = this.scores;
    // Each token's cached row is looked up once per call and shared by the five positions that use it.
    const rows = this.rows;
    rows.length = 0;
    for (let i = 0; i < tokens.length; i++) {
      // Guarded reads: a negative array index is a slow dictionary lookup in V8.
      const prev = i > 0 ? tags[i - 1]! : START;
      const tok = tokens[i]!;
      if (skippable(tok, prev === 0 || prev === START ? "O" : "I")) continue; // tags[i] stays 0 = "O"
      const r0 = this.rowAt(tokens, rows, i);
      const bitsAt = r0.length - 1;
      if (marks[i] === 0 && r0[bitsAt]! & 64) markMultiPlace(tokens, i, this.lex, marks);
      if (r0[bitsAt]! & 128) this.sawStreet = true;
      const rp1 = this.rowAt(tokens, rows, i - 1);
      const rp2 = this.rowAt(tokens, rows, i - 2);
      const rn1 = this.rowAt(tokens, rows, i + 1);
      const rn2 = this.rowAt(tokens, rows, i + 2);
      const prev2 = i > 1 ? tags[i - 2]! : START;
      const tv = this.tagVector(prev, prev2);
      const mv = this.mp[marks[i]!]!;
      const tw = (5 + prev) * n;
      const cv = this.conjVector(r0[bitsAt]!, i === 0 || isBoundary(tokens[i - 1]!.text), i > 0 ? rp1[bitsAt]! : 0);
      let best = 0;
      for (let t = 0; t < n; t++) {
        scores[t] = r0[t]! + rp1[n + t]! + rp2[2 * n + t]! + rn1[3 * n + t]! + rn2[4 * n + t]! + r0[tw + t]! + tv[t]! + mv[t]! + cv[t]!;
        if (scores[t]! > scores[best]!) best = t;
      }
      // Recall bias: F2 weighs a missed name four times a false alarm, so "O" must beat a person tag
      // (B-PER or I-PER, the indices up to I_PER) by a margin.
      if (best === 0 && this.oMargin > 0) {
        let second = 1;
        for (let t = 2; t < n; t++) if (scores[t]! > scores[second]!) second = t;
        if (scores[0]! - scores[second]! < this.oMargin && second <= I_PER) best = second;
      }
      // A person's name never continues into a number or a dash ("Ana Lima - 0255928952").
      if (best === I_PER) {
        const c = tok.text.charCodeAt(0);
        if ((c >= 48 && c <= 57) || c === 45 || c === 0x2013 || c === 0x2014) best = 0;
      }
      tags[i] = best;
    }
    return tags;
  }

  // A token's cached row, looked up once per call (a method, not a closure made on every call).
  private rowAt(tokens: Token[], rows: (Float64Array | undefined)[], j: number): Float64Array {
    if (j < 0 || j >= tokens.length) return this.noneRow;
    return (rows[j] ??= this.tokenRow(tokens[j]!.text));
  }

  /**
   * The weights that depend on one token's text: as the current word, as the word 1 and 2 before,
   * 1 and 2 after, and paired with each previous tag ("t1w"), laid out in blocks of one per tag.
   */
  private tokenRow(text: string | undefined): Float64Array {
    const key = text ?? NONE;
    let r = this.rowCache.get(key);
    if (r) return r;
    const n = NER_TAGS.length;
    // Blocks: own, p1, p2, n1, n2, then t1w for each previous tag (n + 1 of them), then the token's bits.
    r = new Float64Array(n * (5 + n + 1) + 1);
    if (text !== undefined) r[r.length - 1] = tokenBits(text, this.lex);
    const block = (k: number) => r!.subarray(k * n, (k + 1) * n);
    if (text !== undefined) this.model.accumulate(ownFeatures(text, this.lex), block(0));
    this.model.accumulate(neighborFeatures("p1", text, this.lex), block(1));
    this.model.accumulate(neighborFeatures("p2", text, this.lex), block(2));
    this.model.accumulate(neighborFeatures("n1", text, this.lex), block(3));
    this.model.accumulate(neighborFeatures("n2", text, this.lex), block(4));
    if (text !== undefined) for (let p = 0; p <= n; p++) this.model.accumulate(tagFeatures(TAG_OR_START[p]!, "", text).slice(2), block(5 + p));
    if (this.rowCache.size >= CACHE_LIMIT) this.rowCache.clear();
    this.rowCache.set(key, r);
    return r;
  }

  private conjVector(bits: number, first: boolean, prevBits: number): Float64Array {
    const key = (bits & 31) | (first ? 32 : 0) | ((prevBits & 1 ? prevBits & 31 : 0) << 6);
    let v = this.conjCache[key];
    if (!v) {
      v = new Float64Array(NER_TAGS.length);
      this.model.accumulate([conjFeature(bits, first, prevBits)], v);
      this.conjCache[key] = v;
    }
    return v;
  }

  private tagVector(prev: number, prev2: number): Float64Array {
    const key = prev * (NER_TAGS.length + 1) + prev2;
    let v = this.tagCache[key];
    if (!v) {
      v = new Float64Array(NER_TAGS.length);
      this.model.accumulate(tagFeatures(TAG_OR_START[prev]!, TAG_OR_START[prev2]!, "").slice(0, 2), v);
      this.tagCache[key] = v;
    }
    return v;
  }

  /**
   * `joinAddresses` false: the parts of a postal address after a comma or line break stay apart.
   * `lowerCased`: whether the whole document is written without capitals (capitals are then restored
   * from the lexicons); a piece of a longer text cannot tell by itself.
   */
  find(text: string, masks: readonly { type: string; start: number; end: number }[] = [], joinAddresses = true, lowerCased = isLowerCased(text)): Candidate[] {
    let tokens = maskTokens(tokenize(text), masks);
    if (lowerCased) tokens = recase(tokens, this.lex);
    this.sawStreet = false;
    const tags = this.tagIndices(tokens);
    const spans = spansFromTags(tokens, tags, this.lex);
    if (this.unknownNames) spans.push(...unknownCapitalised(tokens, tags, this.lex));
    // spansFromTags gives them in order; only the unknown-name pass adds out of order.
    if (this.unknownNames) spans.sort((a, b) => a.start - b.start);
    // Street addresses need a street word (seen while tagging) and a house number.
    const all = this.sawStreet && (/\d/.test(text) || /\bcorner of\b/i.test(text)) ? withAddresses(spans, findAddresses(tokens, this.lex)) : spans;
    return joinAddressParts(text, all, this.lex, joinAddresses);
  }
}

/** Joins B-/I- runs into findings; trailing punctuation and newlines are trimmed off. */
