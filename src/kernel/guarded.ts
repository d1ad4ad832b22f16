// The PII guard on the request path (DESIGN.md invariant 1): the prompt is scanned and transformed
// by the tenant's policy before any model sees it, the response is scanned and re-identified before
// the caller sees it, and the conversation's pseudonyms live sealed in the vault. Fail closed: if the
// guard itself fails, the request is refused, never forwarded raw.
import {
  guardMessages, guardStream, PiiBlockedError, PseudonymMap, resolvePolicy,
  type Analyzer, type GuardableMessage, type PiiPolicy, type PseudonymVault, type TenantPiiPolicy,
} from "../privacy/pii/index.ts";
import { LlmosError } from "../errors/index.ts";
import type { ChatMessage, GenerationInput } from "../runtime/index.ts";
import type { ModelTarget } from "./kernel.ts";

export interface PiiDeps {
  analyzer(): Analyzer;
  vault: PseudonymVault;
  policy(tenant: string): TenantPiiPolicy | undefined;
}

export function policyFor(pii: PiiDeps, tenant: string, model: { name: string; remote: boolean }): PiiPolicy {
  return resolvePolicy(pii.policy(tenant), model);
}

function guardInput(input: GenerationInput, analyzer: Analyzer, policy: PiiPolicy, pseudonyms: PseudonymMap): { input: GenerationInput; counts: Record<string, number> } {
  try {
    if ("messages" in input) {
      // ChatMessage is a closed type; the guard works on any message-shaped object and keeps its shape.
      const r = guardMessages(input.messages as unknown as GuardableMessage[], { analyzer, policy, pseudonyms });
      return { input: { messages: r.messages as unknown as ChatMessage[] }, counts: r.counts };
    }
    const r = guardMessages([{ role: "user", content: input.prompt }], { analyzer, policy, pseudonyms });
    return { input: { prompt: r.messages[0]!.content as string }, counts: r.counts };
  } catch (e) {
    if (e instanceof PiiBlockedError) throw e;
    throw new LlmosError("pii_guard_failed", 500, "the PII guard failed on the request, so it was refused rather than sent to a model unchecked", { cause: e });
  }
}

export function guarded(pii: PiiDeps, tenant: string, model: { name: string; remote: boolean }, open: ModelTarget["open"]): ModelTarget["open"] {
  return async (input, options, caller) => {
    const policy = policyFor(pii, tenant, model);
    const conversation = caller.conversation;
    const pseudonyms = conversation ? pii.vault.load(tenant, conversation) : new PseudonymMap();
    const g = guardInput(input, pii.analyzer(), policy, pseudonyms);
    if (conversation) pii.vault.save(tenant, conversation, pseudonyms);
    const stream = await open(g.input, options, caller);
    return guardStream(stream, { pseudonyms, reidentify: policy.reidentify, analyzer: pii.analyzer(), policy });
  };
}

/** Embedding inputs pass the same policy: a vector of raw PII would carry it to whoever holds the vector. */
export function guardTexts(pii: PiiDeps, tenant: string, model: { name: string; remote: boolean }, texts: string[]): string[] {
  const policy = policyFor(pii, tenant, model);
  const pseudonyms = new PseudonymMap();
  return texts.map((t) => guardInput({ prompt: t }, pii.analyzer(), policy, pseudonyms).input as { prompt: string }).map((i) => i.prompt);
}
