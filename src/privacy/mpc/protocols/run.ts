// Runs one job at one party: validates this party's input, dispatches to the protocol, and emits the
// audit record (job hash, parties, who learned the output) through the injectable `record` callback.
import { isLlmosError } from "../../../errors/index.ts";
import { jobHash, parseInput, type Job, type MpcAuditEvent } from "../job.ts";
import type { Session } from "../session.ts";
import { itemsInput, secureIntersectionSize } from "./intersection.ts";
import { secureInference } from "./inference.ts";
import { rowsInput, secureRegression } from "./regression.ts";
import { secureHistogram, secureMean, secureSum, valuesInput } from "./stats.ts";

export interface JobOutcome {
  /** The output if this party is named in job.outputTo, else null. */
  output: Record<string, unknown> | null;
  audit: MpcAuditEvent;
}

async function dispatch(s: Session, job: Job, raw: unknown): Promise<Record<string, unknown> | null> {
  const provides = job.inputs.includes(s.id);
  switch (job.protocol) {
    case "sum": return secureSum(s, job, provides ? parseInput(valuesInput, raw, "values") : null);
    case "mean":
    case "variance": return secureMean(s, job, provides ? parseInput(valuesInput, raw, "values") : null);
    case "histogram": return secureHistogram(s, job, provides ? parseInput(valuesInput, raw, "values") : null);
    case "intersection-size": return secureIntersectionSize(s, job, provides ? parseInput(itemsInput, raw, "items") : null);
    case "linreg-step":
    case "logreg-step": return secureRegression(s, job, provides ? parseInput(rowsInput, raw, "rows") : null);
    case "inference": return secureInference(s, job, provides ? raw as never : null);
  }
}

export async function runJob(s: Session, job: Job, input: unknown, record?: (event: MpcAuditEvent) => void): Promise<JobOutcome> {
  const started = new Date();
  const base = {
    type: "mpc.job" as const,
    jobId: job.id,
    jobHash: jobHash(job),
    protocol: job.protocol,
    party: s.id,
    parties: job.parties,
    inputsFrom: job.inputs,
    outputTo: job.outputTo,
    startedAt: started.toISOString(),
  };
  try {
    const output = await dispatch(s, job, input);
    const audit: MpcAuditEvent = { ...base, learnedOutput: output !== null, status: "ok", durationMs: Date.now() - started.getTime() };
    record?.(audit);
    return { output, audit };
  } catch (e) {
    const audit: MpcAuditEvent = {
      ...base, learnedOutput: false, status: "aborted", errorCode: isLlmosError(e) ? e.code : "internal", durationMs: Date.now() - started.getTime(),
    };
    record?.(audit);
    throw e;
  }
}
