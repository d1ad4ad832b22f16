// Public surface of federated learning: strategies (pure, by name), the FedProx client term,
// client-level DP, the coordinator and site processes, startup kits and the wire format.
export { aggregate, aggregateMean, getStrategy, strategyNames, weightedMean, type AggregateResult, type ClientUpdate, type ServerState, type StrategyOptions, type StrategySpec } from "./strategy.ts";
export { coordinateMedian, krum, krumScores, trimmedMean } from "./robust.ts";
export { addProximalGradient, proximalTerm } from "./proximal.ts";
export { clipL2, flattenWeights, l2Norm, unflattenWeights } from "./vector.ts";
export { FederationPrivacy, clientLevelEpsilon, noisyMean, type ClientDpCost } from "./dp.ts";
export { decodeSecureSum, encodeSecureUpdate, type SecureEncoding } from "./secure-update.ts";
export { federationSchema, localSchema, loadFederation, validateFederation, type FederationConfig, type LocalConfig } from "./config.ts";
export { loadCredential, provisionFederation, type FlCredential, type ProvisionOptions } from "./credentials.ts";
export { Coordinator, type FederationSummary } from "./coordinator.ts";
export type { RoundRecord } from "./round.ts";
export { joinFederation, type JoinOptions } from "./site.ts";
export { prepareLocalData, trainLocally, modelLayout, type LocalResult } from "./local-train.ts";
export { WIRE_VERSION, submitSchema, taskSchema, type RoundTask, type Task } from "./wire.ts";
export { TlsClient } from "./transport.ts";
export { commitmentDigest, roundAuditEvent } from "./audit.ts";
export { simulateFederation, type SimulatedSite, type SimulationOptions, type SimulatedRound } from "./simulation.ts";
export { splitByRole } from "./shakespeare.ts";
export { nextTokenAccuracy } from "./evaluate.ts";
