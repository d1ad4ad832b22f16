// Averaged perceptron over sparse string features (Collins 2002, "Discriminative training methods
// for hidden Markov models"; averaging as in Freund & Schapire 1999), greedy left to right.

export interface PerceptronWeights {
  tags: string[];
  /** feature → [tagIndex, weight, tagIndex, weight, ...] (sparse, averaged). */
  weights: Record<string, number[]>;
}

export class Perceptron {
  readonly tags: string[];
  private readonly w = new Map<string, Float64Array>();
  // Training state for averaging: running totals and the step each weight last changed.
  private readonly totals = new Map<string, Float64Array>();
  private readonly stamps = new Map<string, Float64Array>();
  private step = 0;

  constructor(tags: string[]) {
    this.tags = tags;
  }

  static load(data: PerceptronWeights): Perceptron {
    const p = new Perceptron(data.tags);
    for (const [f, sparse] of Object.entries(data.weights)) {
      const row = new Float64Array(data.tags.length);
      for (let i = 0; i < sparse.length; i += 2) row[sparse[i]!] = sparse[i + 1]!;
      p.w.set(f, row);
    }
    return p;
  }

  /** Index of the best tag; `scores` receives the raw score of each tag. */
  predict(features: string[], scores = new Float64Array(this.tags.length)): number {
    scores.fill(0);
    for (const f of features) {
      const row = this.w.get(f);
      if (!row) continue;
      for (let t = 0; t < row.length; t++) scores[t]! += row[t]!;
    }
    let best = 0;
    for (let t = 1; t < scores.length; t++) if (scores[t]! > scores[best]!) best = t;
    return best;
  }

  /** Adds the weights of `features` into `into` (one row per feature; linear, so groups can be cached). */
  accumulate(features: readonly string[], into: Float64Array): void {
    for (const f of features) {
      const row = this.w.get(f);
      if (!row) continue;
      for (let t = 0; t < row.length; t++) into[t]! += row[t]!;
    }
  }

  update(features: string[], truth: number, guess: number): void {
    this.step++;
    if (truth === guess) return;
    for (const f of features) {
      this.bump(f, truth, 1);
      this.bump(f, guess, -1);
    }
  }

  private bump(f: string, t: number, v: number): void {
    const n = this.tags.length;
    let row = this.w.get(f);
    if (!row) {
      row = new Float64Array(n);
      this.w.set(f, row);
      this.totals.set(f, new Float64Array(n));
      this.stamps.set(f, new Float64Array(n));
    }
    const totals = this.totals.get(f)!;
    const stamps = this.stamps.get(f)!;
    totals[t]! += (this.step - stamps[t]!) * row[t]!;
    stamps[t] = this.step;
    row[t]! += v;
  }

  /** The mean of several models' weights (bagging: lowers the variance of a greedy tagger). */
  static mean(models: Perceptron[]): Perceptron {
    const out = new Perceptron(models[0]!.tags);
    for (const m of models) {
      const w = m.export(0).weights;
      for (const [f, sparse] of Object.entries(w)) {
        let row = out.w.get(f);
        if (!row) out.w.set(f, (row = new Float64Array(out.tags.length)));
        for (let i = 0; i < sparse.length; i += 2) row[sparse[i]!]! += sparse[i + 1]! / models.length;
      }
    }
    return out;
  }

  /** Averaged weights, pruned below `minAbs`, rounded to 3 decimals. */
  export(minAbs = 0.01): PerceptronWeights {
    const weights: Record<string, number[]> = {};
    for (const [f, row] of this.w) {
      const totals = this.totals.get(f);
      const stamps = this.stamps.get(f);
      const sparse: number[] = [];
      for (let t = 0; t < row.length; t++) {
        // A model made by mean() or load() has no training state: its weights are already final.
        const avg = totals && stamps ? (totals[t]! + (this.step - stamps[t]!) * row[t]!) / Math.max(1, this.step) : row[t]!;
        if (Math.abs(avg) >= minAbs) sparse.push(t, Math.round(avg * 1000) / 1000);
      }
      if (sparse.length) weights[f] = sparse;
    }
    return { tags: this.tags, weights };
  }
}
