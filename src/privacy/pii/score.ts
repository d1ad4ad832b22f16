// Span-level scoring as in presidio-research: a prediction matches a gold span of the same type when
// their overlap over their union is at least 0.5; precision, recall and F2 (recall weighed 4x).

export interface Span {
  type: string;
  start: number;
  end: number;
}

export interface Scores {
  precision: number;
  recall: number;
  f2: number;
  support: number;
  predicted: number;
}

function iou(a: Span, b: Span): number {
  const inter = Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
  const union = Math.max(a.end, b.end) - Math.min(a.start, b.start);
  return union > 0 ? inter / union : 0;
}

function scores(tp: number, gold: number, pred: number): Scores {
  const precision = pred ? tp / pred : gold ? 0 : 1;
  const recall = gold ? tp / gold : 1;
  const f2 = precision + recall ? (5 * precision * recall) / (4 * precision + recall) : 0;
  const r = (x: number) => Math.round(x * 10000) / 10000;
  return { precision: r(precision), recall: r(recall), f2: r(f2), support: gold, predicted: pred };
}

/** One-to-one matching per type: each gold span takes the unmatched prediction of best IoU ≥ 0.5. */
export function scoreSpans(gold: Span[][], pred: Span[][], evaluatedTypes?: Iterable<string>): { overall: Scores; per_type: Record<string, Scores> } {
  // Predictions of types outside the evaluation are left out (the data set does not label them).
  const evaluated = new Set(evaluatedTypes ?? gold.flat().map((s) => s.type));
  const tp = new Map<string, number>();
  const ng = new Map<string, number>();
  const np = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  gold.forEach((g, i) => {
    const p = pred[i]!.filter((s) => evaluated.has(s.type));
    const used = new Set<number>();
    for (const s of p) inc(np, s.type);
    for (const s of g) {
      inc(ng, s.type);
      let best = -1;
      let bestIou = 0.5;
      p.forEach((q, j) => {
        if (used.has(j) || q.type !== s.type) return;
        const v = iou(s, q);
        if (v >= bestIou) {
          bestIou = v;
          best = j;
        }
      });
      if (best >= 0) {
        used.add(best);
        inc(tp, s.type);
      }
    }
  });
  const per_type: Record<string, Scores> = {};
  let T = 0, G = 0, P = 0;
  for (const t of [...evaluated].sort()) {
    const a = tp.get(t) ?? 0, b = ng.get(t) ?? 0, c = np.get(t) ?? 0;
    if (b === 0 && c === 0) continue;
    per_type[t] = scores(a, b, c);
    T += a; G += b; P += c;
  }
  return { overall: scores(T, G, P), per_type };
}

