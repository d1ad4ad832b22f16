export { parsePipeline, pipelineDefinition, referencedModels, type PipelineDefinition } from "./definition.ts";
export { chooseRoute, fillTemplate, pickByConsensus, pickByVote, routeFacts, type RouteFacts } from "./policy.ts";
export { openPipeline, type Openable, type PipelineCall } from "./run.ts";
export { PipelineStore, type StoredPipeline } from "./store.ts";
