export { fairShare, fifo, isPolicyName, POLICIES, priority, type Policy, type PolicyName, type PolicyState, type Waiting } from "./policies.ts";
export { SlotQueue, type Lease, type SlotQueueOptions, type Ticket } from "./queue.ts";
export { Residency, type Loadable, type ResidencyOptions } from "./residency.ts";
export { Scheduler, type Caller, type SchedulerOptions } from "./scheduler.ts";
export * from "./pipelines/index.ts";
