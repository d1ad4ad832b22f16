// One DP release end to end: validate the query against the dataset, load the data, debit the
// budget (one transaction), and only then compute the noisy answer (DESIGN.md invariant 2).
import type { DpBudgetStore } from "./budget.ts";
import { executeQuery, type DpAnswer } from "./analytics.ts";
import { parseDpQuery } from "./query.ts";
import { assertReleaseRng, RandomSource } from "./rng.ts";
import { loadTable } from "./table.ts";

export interface DpQueryRequest {
  tenant: string;
  dataset: string;
  /** Who asked (recorded in the ledger). */
  user: string;
  /** The query object (JSON), validated here. */
  query: unknown;
  /** Noise source; default a fresh CSPRNG stream. A seeded source is refused unless allowSeededForTests. */
  rng?: RandomSource;
  allowSeededForTests?: boolean;
  /** Reads a dataset file that is not plain text on disk (sealed at rest). */
  readText?: (path: string) => string;
}

export interface DpQueryResult {
  release_id: number;
  dataset: string;
  type: string;
  epsilon_spent: number;
  delta_spent: number;
  budget_remaining: { epsilon: number; delta: number };
  answers: DpAnswer[];
}

/**
 * Runs a DP query: POST /v1/os/dp/query and `llmos dp query` both call this. Throws
 * InvalidArgumentError (bad query or data), NotFoundError (dataset of another tenant or unknown),
 * BudgetExceededError (403, with what is left).
 */
export function runDpQuery(store: DpBudgetStore, req: DpQueryRequest): DpQueryResult {
  const rng = req.rng ?? RandomSource.secure();
  assertReleaseRng(rng, req.allowSeededForTests === true);
  const ds = store.getDataset(req.tenant, req.dataset);
  const query = parseDpQuery(req.query, ds.schema);
  // Loading validates the data (NaN, types) before anything is spent.
  const table = loadTable(ds.source, ds.format, ds.schema, req.readText);
  const mechanism = query.type === "quantile" ? "exponential" : query.mechanism === "gaussian" ? "discrete_gaussian" : "discrete_laplace";
  const debit = store.debit(req.tenant, req.dataset, { epsilon: query.epsilon, delta: query.delta }, { user: req.user, mechanism, query });
  const answers = executeQuery(query, table, ds.privacyUnit, rng);
  return {
    release_id: debit.seq,
    dataset: req.dataset,
    type: query.type,
    epsilon_spent: query.epsilon,
    delta_spent: query.delta,
    budget_remaining: debit.remaining,
    answers,
  };
}
