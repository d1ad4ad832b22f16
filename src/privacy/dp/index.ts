// Differential privacy core: exact samplers, RDP and PLD accountants, per-dataset budgets, analytics.
export { assertReleaseRng, RandomSource } from "./rng.ts";
export { bernoulliExpNeg, bernoulliRational } from "./bernoulli.ts";
export { rationalAtLeast, rationalAtMost, type Rational } from "./rational.ts";
export { discreteLaplaceHalfWidth, discreteLaplaceTail, sampleDiscreteGaussian, sampleDiscreteLaplace } from "./discrete.ts";
export { gaussianMechanism, gaussianNoiseFloat32, laplaceMechanism, latticeFor, sampleGaussian, sampleLaplace, type NoisyValue } from "./continuous.ts";
export { exponentialMechanism, randomizedResponse, randomizedResponseBit, reportNoisyMax } from "./selection.ts";
export { analyticGaussianSigma, calibrateDiscreteGaussian, calibrateDiscreteGaussianVector, discreteGaussianDelta, gaussianDelta } from "./gaussian.ts";
export { advancedComposition, basicComposition, type PrivacyCost } from "./composition.ts";
export { DEFAULT_RDP_ORDERS, TF_PRIVACY_ORDERS, rdpGaussian, rdpLaplace, rdpPoissonSubsampledGaussian, rdpToDelta, rdpToEpsilon, type RdpConversion } from "./rdp.ts";
export { composePlds, discretizeMechanism, pldDelta, pldEpsilonForDelta, type DiscretePld, type PldMechanism } from "./pld.ts";
export {
  ACCOUNTANT_NAMES, calibrateNoiseMultiplier, dpSgdEpsilon, pldComposeDelta, pldComposeEpsilon, pldEpsilon, RdpAccountant, rdpEpsilon,
  type AccountantName, type CalibrationTarget, type DpSgdParams, type PldEvent, type PldOptions, type RdpOptions,
} from "./accountant.ts";
export { DpBudgetStore, type BudgetStatus, type ColumnSpec, type ColumnType, type DatasetRecord, type LedgerEntry } from "./budget.ts";
export { BudgetExceededError } from "./errors.ts";
export { checkSchema, inferSchema, loadTable, parseCsv, tableFromCsv, tableFromJsonl, type Table } from "./table.ts";
export { DpQuerySchema, parseDpQuery, type DpQuery } from "./query.ts";
export { executeQuery, type DpAnswer } from "./analytics.ts";
export { boundContributions } from "./grouping.ts";
export { runDpQuery, type DpQueryRequest, type DpQueryResult } from "./release.ts";
