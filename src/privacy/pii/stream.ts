// The response side of the guard over the runtime's stream: maps pseudonyms back for the caller and
// scans the model's own output for new PII, across chunk boundaries. For re-identification it holds
// back only a tail that could start a surrogate (never more than the longest one), so a surrogate
// split over chunks is still found; the output scan settles whole-word pieces. It fails closed: if the guard throws, the stream ends with an error part and the held text is dropped.
import { LlmosError } from "../../errors/index.ts";
import type { StreamPart } from "../../runtime/stream.ts";
import { anonymize } from "./anonymize.ts";
import type { Analyzer } from "./analyzer.ts";
import { actionFor, type PiiPolicy } from "./policy.ts";
import type { PseudonymMap } from "./pseudonyms.ts";
import type { Finding } from "./types.ts";

export class PiiGuardError extends LlmosError {
  constructor(cause: unknown) {
    super("pii_guard_failed", 500, "the PII guard failed on the model's output; the response was stopped so that no unchecked text reaches the client", { cause });
  }
}

export interface StreamGuardOptions {
  pseudonyms: PseudonymMap;
  /** Map surrogates back to the caller's originals (the policy's reidentify). */
  reidentify: boolean;
  /** Scan the output for PII the model produced itself, and apply the policy to it. */
  analyzer?: Analyzer;
  policy?: PiiPolicy;
  /**
   * Extra characters held back for the output scan (default 0: the holdback is the longest
   * surrogate). Raise it to catch e-mail addresses and numbers the model splits over chunks.
   */
  minHoldback?: number;
  /**
   * Text is settled (scanned and passed on) in pieces of at least this many characters that end
   * at a word boundary (the finish settles the rest). Default: 24 with an output scan, so the scan
   * sees whole words and runs once per few tokens rather than once per token (its fixed cost per
   * call dominated the guard's per-token cost; bench: serve); 0 for re-identification alone, whose
   * holdback stays at most the longest surrogate.
   */
  settleChars?: number;
}

/** Processes one settled piece of text: output scan, then re-identification. */
function settle(text: string, o: StreamGuardOptions, lowerCased: boolean | undefined): string {
  let out = text;
  if (o.analyzer && o.policy) {
    const surrogates = new Set(o.pseudonyms.surrogates());
    const acted: Finding[] = [];
    const operators: Record<string, { type: "redact" | "pseudonymize"; with?: string }> = {};
    for (const f of o.analyzer.analyze(out, { lowerCased })) {
      if (surrogates.has(out.slice(f.start, f.end))) continue;
      const a = actionFor(o.policy, f.type);
      if (a === "allow") continue;
      acted.push(f);
      // "block" on output: the value is removed rather than the whole answer refused.
      operators[f.type] = a === "pseudonymize" ? { type: "pseudonymize" } : { type: "redact", with: `<${f.type}>` };
    }
    if (acted.length) out = anonymize(out, acted, { operators, pseudonyms: o.pseudonyms }).text;
  }
  return o.reidentify ? o.pseudonyms.reidentify(out) : out;
}

/**
 * How many characters at the end of `buf` could be the start of a surrogate still arriving: the
 * longest suffix of `buf` that is a proper prefix of some surrogate (0 for most text, never more
 * than the longest surrogate). Only those need holding back for re-identification.
 */
function surrogateTail(buf: string, map: PseudonymMap): number {
  let tail = 0;
  for (const s of map.surrogates()) {
    for (let k = Math.min(s.length - 1, buf.length); k > tail; k--) {
      if (buf.endsWith(s.slice(0, k))) {
        tail = k;
        break;
      }
    }
  }
  return tail;
}

/**
 * Where the settled part of `buf` ends: at least `minHold` characters back and before any possible
 * start of a surrogate (surrogateTail), never inside a surrogate.
 */
function safeCut(buf: string, minHold: number, map: PseudonymMap, wholeWords: boolean): number {
  const hold = Math.max(minHold, surrogateTail(buf, map));
  let cut = Math.max(0, buf.length - hold);
  // Do not end a settled piece in the middle of a word: the output scan needs whole words. With
  // `wholeWords` the trailing word may still grow, so the cut goes back to the last white space.
  if (wholeWords) {
    const ws = cut > 0 ? Math.max(buf.lastIndexOf(" ", cut - 1), buf.lastIndexOf("\n", cut - 1)) : -1;
    if (ws >= 0) cut = ws + 1;
  } else {
    while (cut > 0 && cut < buf.length && /[\p{L}\p{N}@._-]/u.test(buf[cut - 1]!) && buf.length - cut < hold) cut--;
  }
  // A whole surrogate that straddles the cut is settled with it (it is complete, so it maps back).
  for (let moved = true; moved; ) {
    moved = false;
    for (const s of map.surrogates()) {
      for (let i = buf.indexOf(s, Math.max(0, cut - s.length + 1)); i >= 0 && i < cut; i = buf.indexOf(s, i + 1)) {
        if (i + s.length > cut) {
          cut = i + s.length;
          moved = true;
        }
      }
    }
  }
  return cut;
}

/** The same guard for a whole (non-streamed) response: output scan, then re-identification. */
export function guardOutput(text: string, options: StreamGuardOptions): string {
  return guarded(text, options, false);
}

// A response that has shown a capital letter is not lower-cased text, even where a later piece has
// none ("weather today is mild and ..."): the pieces are scanned with that knowledge.
const CAPITAL = /\p{Lu}/u;

function guarded(text: string, options: StreamGuardOptions, cased: boolean): string {
  try {
    return settle(text, options, cased ? false : undefined);
  } catch (cause) {
    throw new PiiGuardError(cause);
  }
}

export async function* guardStream(source: AsyncIterable<StreamPart>, options: StreamGuardOptions): AsyncIterable<StreamPart> {
  let buf = "";
  const min = options.minHoldback ?? 0;
  const settleChars = options.settleChars ?? (options.analyzer && options.policy ? 24 : 0);
  let emitted = false;
  let cased = false;
  const it = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      let step: IteratorResult<StreamPart>;
      try {
        step = await it.next();
      } catch (error) {
        // The runtime failed: pass its error on; the unchecked buffer is dropped.
        yield { type: "error", error: error instanceof Error ? error : new Error(String(error)) };
        return;
      }
      if (step.done) break;
      const part = step.value;
      if (part.type === "text-delta") {
        buf += part.text;
        if (!cased && CAPITAL.test(part.text)) cased = true;
        // The first piece goes out at once (time to first token); later ones in settleChars pieces.
        const piece = emitted ? settleChars : 0;
        if (buf.length < piece) continue;
        const cut = safeCut(buf, min, options.pseudonyms, piece > 0);
        if (cut > 0 && cut >= piece) {
          emitted = true;
          const text = guarded(buf.slice(0, cut), options, cased);
          buf = buf.slice(cut);
          if (text) yield { type: "text-delta", text };
        }
        continue;
      }
      if (buf) {
        const text = guarded(buf, options, cased);
        buf = "";
        if (text) yield { type: "text-delta", text };
      }
      yield part;
    }
    if (buf) {
      const text = guarded(buf, options, cased);
      if (text) yield { type: "text-delta", text };
    }
  } catch (error) {
    // Fail closed: the unchecked buffer is dropped and the consumer sees an error part.
    await it.return?.();
    yield { type: "error", error: error instanceof PiiGuardError ? error : new PiiGuardError(error) };
  } finally {
    // A consumer that stops early (a client gone, a pipeline done) ends the source too, which frees
    // the model's slot.
    await it.return?.();
  }
}
