// Learning-rate schedule: linear warm-up to the peak, then cosine decay to the minimum (as in the
// Llama and GPT-3 recipes). Steps count from 0; the first step already gets a non-zero rate.

export interface LrSchedule {
  lr: number;
  minLr: number;
  warmupSteps: number;
  maxSteps: number;
}

export function learningRate(step: number, s: LrSchedule): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const decaySteps = s.maxSteps - s.warmupSteps;
  if (decaySteps <= 1) return s.lr;
  // Progress runs 0 → 1 from the first to the last decay step, so the last step trains at minLr.
  const progress = Math.min(1, (step - s.warmupSteps) / (decaySteps - 1));
  return s.minLr + 0.5 * (s.lr - s.minLr) * (1 + Math.cos(Math.PI * progress));
}
