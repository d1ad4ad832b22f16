// The pure decisions of pipelines: which route a request takes, how a template fills, which ensemble answer wins.
import type { GenerationInput } from "../../runtime/index.ts";
import type { PipelineDefinition } from "./definition.ts";

export interface RouteFacts {
  kind: "chat" | "completion";
  /** Text the conditions look at: the last user message, or the prompt. */
  text: string;
  /** All text of the request. */
  chars: number;
  user?: string;
}

export function routeFacts(input: GenerationInput, user?: string): RouteFacts {
  if ("prompt" in input) return { kind: "completion", text: input.prompt, chars: input.prompt.length, ...(user ? { user } : {}) };
  const lastUser = [...input.messages].reverse().find((m) => m.role === "user");
  return { kind: "chat", text: lastUser?.content ?? "", chars: input.messages.reduce((n, m) => n + m.content.length, 0), ...(user ? { user } : {}) };
}

export function chooseRoute(d: Extract<PipelineDefinition, { kind: "router" }>, f: RouteFacts): string {
  const lower = f.text.toLowerCase();
  for (const r of d.routes) {
    const w = r.when;
    if (w.kind && w.kind !== f.kind) continue;
    if (w.max_chars !== undefined && f.chars > w.max_chars) continue;
    if (w.min_chars !== undefined && f.chars < w.min_chars) continue;
    if (w.users && !(f.user && w.users.includes(f.user))) continue;
    if (w.contains && !w.contains.some((s) => lower.includes(s.toLowerCase()))) continue;
    return r.model;
  }
  return d.default;
}

/** Fills `{{input}}` and `{{previous}}` in one pass, so text that itself contains braces is never re-expanded. */
export function fillTemplate(template: string, vars: { input: string; previous: string }): string {
  return template.replace(/\{\{\s*(input|previous)\s*\}\}/g, (_m, k: "input" | "previous") => vars[k]);
}

const normalise = (s: string) => s.trim().toLowerCase().replace(/\s+/g, " ").replace(/[.!?]+$/, "");

/** Index of the most frequent answer (after normalising case, spaces and final punctuation); ties go to the earliest. */
export function pickByVote(answers: string[]): number {
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(normalise(a), (counts.get(normalise(a)) ?? 0) + 1);
  let best = 0;
  for (let i = 1; i < answers.length; i++) if (counts.get(normalise(answers[i]!))! > counts.get(normalise(answers[best]!))!) best = i;
  return best;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

/**
 * Index of the answer most similar to all the others (word-set Jaccard): minimum Bayes risk decoding
 * over the ensemble's answers (Kumar & Byrne 2004), a robust choice when answers differ in wording.
 */
export function pickByConsensus(answers: string[]): number {
  const sets = answers.map((a) => new Set(normalise(a).split(" ").filter(Boolean)));
  let best = 0, bestScore = -1;
  sets.forEach((s, i) => {
    const score = sets.reduce((sum, t, j) => (i === j ? sum : sum + jaccard(s, t)), 0);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return best;
}
