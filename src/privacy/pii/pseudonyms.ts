// The pseudonym map of one conversation: original ↔ surrogate, consistent for the whole
// conversation, and the longest surrogate (the stream guard's holdback length).
import { surrogateFor } from "./surrogates.ts";

export interface PseudonymEntry {
  type: string;
  original: string;
  surrogate: string;
}

export class PseudonymMap {
  private readonly forward = new Map<string, PseudonymEntry>();
  private readonly backward = new Map<string, PseudonymEntry>();
  private readonly fresh: PseudonymEntry[] = [];
  // Cached for the stream guard, which asks on every chunk; rebuilt after a new entry.
  private cachedRegex: RegExp | undefined;
  private cachedLongest = 0;

  constructor(entries: readonly PseudonymEntry[] = []) {
    for (const e of entries) this.insert(e);
  }

  private insert(e: PseudonymEntry): void {
    this.forward.set(`${e.type}\u0000${e.original}`, e);
    this.backward.set(e.surrogate, e);
    this.cachedRegex = undefined;
    this.cachedLongest = Math.max(this.cachedLongest, e.surrogate.length);
  }

  /** The surrogate of `original`, made (and remembered) on first use. */
  surrogate(type: string, original: string): string {
    const known = this.forward.get(`${type}\u0000${original}`);
    if (known) return known.surrogate;
    for (let attempt = 0; ; attempt++) {
      let s = surrogateFor(type, original);
      // Never reuse a surrogate or pick an original as a surrogate (that would re-identify wrongly).
      if (attempt > 20) s = `${s}${attempt}`;
      if (this.backward.has(s) || this.isOriginal(s)) continue;
      const e = { type, original, surrogate: s };
      this.insert(e);
      this.fresh.push(e);
      return s;
    }
  }

  /** Records a given surrogate (placeholders such as `<PERSON_1>`) for `original`. */
  adopt(type: string, original: string, surrogate: string): string {
    const e = { type, original, surrogate };
    this.insert(e);
    this.fresh.push(e);
    return surrogate;
  }

  private isOriginal(s: string): boolean {
    for (const e of this.forward.values()) if (e.original === s) return true;
    return false;
  }

  /** The surrogates, for the stream guard's boundary checks. */
  surrogates(): IterableIterator<string> {
    return this.backward.keys();
  }

  original(surrogate: string): string | undefined {
    return this.backward.get(surrogate)?.original;
  }

  entries(): PseudonymEntry[] {
    return [...this.forward.values()];
  }

  /** Entries made since the last call (what a vault still has to store). */
  takeFresh(): PseudonymEntry[] {
    return this.fresh.splice(0);
  }

  get size(): number {
    return this.forward.size;
  }

  /** Length of the longest surrogate: a stream that holds back this many characters never cuts one. */
  get longestSurrogate(): number {
    return this.cachedLongest;
  }

  /** Replaces every surrogate in `text` by its original, longest surrogates first. */
  reidentify(text: string): string {
    if (this.backward.size === 0) return text;
    if (!this.cachedRegex) {
      const surrogates = [...this.backward.keys()].sort((a, b) => b.length - a.length);
      this.cachedRegex = new RegExp(surrogates.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
    }
    return text.replace(this.cachedRegex, (s) => this.backward.get(s)!.original);
  }
}
