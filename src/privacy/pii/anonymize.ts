// Applies operators to the findings of a text: per entity type (or DEFAULT) one operator, and
// the reverse (deanonymize) for the reversible ones: replace, encrypt and pseudonymize.
import { InvalidArgumentError } from "../../errors/index.ts";
import { decryptValue, encryptValue, ENCRYPTED_TOKEN, hashValue, maskValue, type OperatorConfig } from "./operators.ts";
import { PseudonymMap } from "./pseudonyms.ts";
import { ENTITY_TYPES, type Finding } from "./types.ts";

export interface AnonymizeOptions {
  /** Operator per entity type; "DEFAULT" for the rest (default: replace). */
  operators?: Record<string, OperatorConfig>;
  /** hash: the tenant's HMAC key (≥ 16 bytes). */
  hashKey?: Uint8Array;
  /** encrypt: the AES-256 key (32 bytes). */
  encryptKey?: Uint8Array;
  /** pseudonymize (and replace, for its numbering): the conversation's map; a new one if absent. */
  pseudonyms?: PseudonymMap;
}

export interface AnonymizedItem {
  type: string;
  operator: string;
  /** Offsets in the output text. */
  start: number;
  end: number;
}

export interface AnonymizeResult {
  text: string;
  items: AnonymizedItem[];
  pseudonyms: PseudonymMap;
}

// `<PERSON_1>`-style placeholders live in the same map as surrogates, so that deanonymize and the
// stream guard reverse both, and the same value keeps its number for the whole conversation.
function placeholder(map: PseudonymMap, type: string, value: string): string {
  const existing = map.entries().find((e) => e.type === type && e.original === value && /^<[A-Z_]+_\d+>$/.test(e.surrogate));
  if (existing) return existing.surrogate;
  const n = map.entries().filter((e) => e.type === type && e.surrogate.startsWith(`<${type}_`)).length + 1;
  return map.adopt(type, value, `<${type}_${n}>`);
}

export function anonymize(text: string, findings: readonly Finding[], options: AnonymizeOptions = {}): AnonymizeResult {
  const map = options.pseudonyms ?? new PseudonymMap();
  const sorted = [...findings].sort((a, b) => a.start - b.start);
  let out = "";
  let last = 0;
  const items: AnonymizedItem[] = [];
  for (const f of sorted) {
    if (f.start < last || f.end > text.length || f.start >= f.end) continue; // overlapping or out of range
    const value = text.slice(f.start, f.end);
    const op = options.operators?.[f.type] ?? options.operators?.DEFAULT ?? { type: "replace" as const };
    let repl: string;
    switch (op.type) {
      case "keep":
        repl = value;
        break;
      case "redact":
        repl = op.with ?? "";
        break;
      case "replace":
        repl = placeholder(map, f.type, value);
        break;
      case "mask":
        repl = maskValue(value, op.keepLast ?? 4, op.maskChar ?? "*");
        break;
      case "hash":
        if (!options.hashKey) throw new InvalidArgumentError("hashKey", "the hash operator needs the tenant's key");
        repl = hashValue(value, f.type, options.hashKey);
        break;
      case "encrypt":
        if (!options.encryptKey) throw new InvalidArgumentError("encryptKey", "the encrypt operator needs a 32-byte key");
        repl = encryptValue(value, f.type, options.encryptKey);
        break;
      case "pseudonymize":
        repl = map.surrogate(f.type, value);
        break;
    }
    out += text.slice(last, f.start);
    items.push({ type: f.type, operator: op.type, start: out.length, end: out.length + repl.length });
    out += repl;
    last = f.end;
  }
  out += text.slice(last);
  return { text: out, items, pseudonyms: map };
}

/**
 * Maps surrogates and placeholders back to the originals; with `encryptKey`, decrypts "enc:" tokens
 * (each carries its entity type in `items` or is tried against `types`).
 */
export function deanonymize(text: string, options: { pseudonyms?: PseudonymMap; encryptKey?: Uint8Array; types?: readonly string[] } = {}): string {
  let out = options.pseudonyms ? options.pseudonyms.reidentify(text) : text;
  if (options.encryptKey) {
    const key = options.encryptKey;
    const types = options.types ?? ENTITY_TYPES;
    out = out.replace(ENCRYPTED_TOKEN, (tok) => {
      for (const t of types) {
        try {
          return decryptValue(tok, t, key);
        } catch {
          // try the next type
        }
      }
      return tok;
    });
  }
  return out;
}
