// Public surface of secure aggregation: Bonawitz et al. 2017 double masking with Shamir-shared seeds
// and keys, SecAgg+ neighbourhoods (Bell et al. 2020), fixed-point encoding, and an in-process runner.
export { SecAggClient } from "./client.ts";
export { SecAggServer, type SecAggResult, type ServerOptions, type ServerStage } from "./server.ts";
export { ProtocolError, RoundAbortedError } from "./errors.ts";
export { completeGraph, harary, secAggPlusDegree, type Graph } from "./graph.ts";
export { checkQuantization, dequantize, maxSummands, quantize, addInto, type Quantization } from "./quantize.ts";
export { combineShares, splitSecret, FIELD_PRIME, type Share } from "./shamir.ts";
export { simulateRound, type DropStage, type SimulationStats } from "./simulate.ts";
export * from "./messages.ts";
