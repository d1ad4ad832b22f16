// Puts every generation on the audit ledger: the decision and the input's hash are committed before
// the first output can leave, the output's hash and token counts when it ends. Never raw text.
// Group commit (AuditLedger.appendGrouped): the fsync runs off the event loop, shared by concurrent
// requests, instead of blocking the decode loop ~2 ms twice per request (bench: audit).
import { createHash, hash } from "node:crypto";
import type { GenerationInput, StreamPart } from "../runtime/index.ts";
import type { AuditLedger, Principal } from "../security/index.ts";
import type { ModelTarget } from "./kernel.ts";

const hashOf = (s: string) => hash("sha256", s);

/**
 * Resolves after node-llama-cpp has dispatched the decodes queued in this turn of the event loop
 * (it dispatches them on the next setImmediate): work done then overlaps prompt evaluation
 * instead of delaying its start.
 */
const afterDispatch = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

export function audited(ledger: AuditLedger, principal: Principal, resource: string, open: ModelTarget["open"]): ModelTarget["open"] {
  return async (input: GenerationInput, options, caller) => {
    const it = (await open(input, options, caller))[Symbol.asyncIterator]();
    // Start the generation, commit the record while the model evaluates the prompt, and pass no
    // part on before the commit: no output can leave without its record on the ledger.
    const first = it.next();
    first.catch(() => undefined);
    const base = { who: principal.id, tenant: principal.tenant, resource };
    const recorded = afterDispatch().then(() => {
      ledger.appendGrouped({ ...base, action: "model.generate", decision: "allow", inputHash: hashOf(JSON.stringify(input)) });
    });
    recorded.catch(() => undefined); // seen by the stream below; never an unhandled rejection
    return (async function* (): AsyncGenerator<StreamPart> {
      try {
        await recorded;
      } catch (error) {
        // Fail closed: no record, no output; the generation is stopped.
        await it.return?.();
        yield { type: "error", error: error as Error };
        return;
      }
      const out = createHash("sha256");
      try {
        let r = await first;
        while (!r.done) {
          const p = r.value;
          if (p.type === "text-delta") out.update(p.text);
          if (p.type === "finish" || p.type === "error") {
            ledger.appendGrouped({
              ...base, action: "model.generate.end", decision: p.type === "finish" ? "info" : "deny", outputHash: out.digest("hex"),
              detail: p.type === "finish"
                ? { finish: p.finishReason, promptTokens: p.usage.promptTokens, completionTokens: p.usage.completionTokens }
                : { error: (p.error as { code?: string }).code ?? p.error.name },
            });
          }
          yield p;
          r = await it.next();
        }
      } finally {
        await it.return?.();
      }
    })();
  };
}
