export { checkContract, type Clause, type Contract, type ContractDecision, type ProposedUse } from "./check.ts";
export { ContractStore, type ContractResource } from "./store.ts";
export { parseTerms, PII_POLICIES, PURPOSES, type ContractTerms, type PiiPolicy, type Purpose } from "./terms.ts";
