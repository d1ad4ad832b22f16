// Errors of the DP subsystem.
import { LlmosError } from "../../errors/index.ts";

/**
 * A release would overspend a dataset's privacy budget. HTTP 403 (not 429): the budget never
 * refills, so retrying later cannot succeed; the data owner must grant more budget.
 */
export class BudgetExceededError extends LlmosError {
  readonly remaining: { epsilon: number; delta: number };
  constructor(dataset: string, requested: { epsilon: number; delta: number }, remaining: { epsilon: number; delta: number }) {
    super(
      "budget_exceeded",
      403,
      `privacy budget of dataset '${dataset}' exceeded: the release needs ε=${requested.epsilon}, δ=${requested.delta} but only ε=${remaining.epsilon}, δ=${remaining.delta} is left`,
      { data: { dataset, requested, remaining } },
    );
    this.remaining = remaining;
  }
}
