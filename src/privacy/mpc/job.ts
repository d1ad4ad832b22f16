// The job description every party receives (JSON, zod-validated) and its hash, which parties compare
// before computing: a party with a different description aborts the job.
import { createHash } from "node:crypto";
import { z } from "zod";
import { InvalidArgumentError } from "../../errors/index.ts";

const party = z.number().int().min(0).max(15);
const base = {
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "1-64 letters, digits, '.', '_' or '-'"),
  parties: z.number().int().min(2).max(16),
  /** Parties that provide an input, in the order their inputs are shared. */
  inputs: z.array(party).min(1),
  /** Parties that learn the output; every other party learns nothing about it. */
  outputTo: z.array(party).min(1),
};
const finite = z.number().finite();

export const JobSchema = z.discriminatedUnion("protocol", [
  z.object({ ...base, protocol: z.literal("sum"), params: z.object({ length: z.number().int().min(1).max(10_000_000) }) }),
  z.object({ ...base, protocol: z.literal("mean"), params: z.object({}).default({}) }),
  z.object({ ...base, protocol: z.literal("variance"), params: z.object({}).default({}) }),
  z.object({ ...base, protocol: z.literal("histogram"), params: z.object({ edges: z.array(finite).min(2).max(10_000) }) }),
  z.object({ ...base, protocol: z.literal("intersection-size"), params: z.object({ bins: z.number().int().min(2).max(1 << 20) }) }),
  z.object({
    ...base,
    protocol: z.enum(["linreg-step", "logreg-step"]),
    params: z.object({
      features: z.number().int().min(1).max(1000),
      lr: z.number().positive().max(100),
      steps: z.number().int().min(1).max(100).default(1),
      weights: z.array(finite).optional(),
    }),
  }),
  z.object({
    ...base,
    protocol: z.literal("inference"),
    params: z.object({
      model: party,
      data: party,
      layers: z.array(z.object({ in: z.number().int().min(1).max(4096), out: z.number().int().min(1).max(4096) })).min(1).max(8),
      output: z.enum(["label", "scores"]).default("label"),
    }),
  }),
]);

export type Job = z.infer<typeof JobSchema>;
export type JobProtocol = Job["protocol"];

function zodProblem(e: z.ZodError): string {
  const issue = e.issues[0];
  return issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "invalid";
}

/** Validates a party's private input against its schema; the error names the field, never the values. */
export function parseInput<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  const r = schema.safeParse(raw);
  if (!r.success) throw new InvalidArgumentError(what, zodProblem(r.error));
  return r.data;
}

/** Validates a job description and the cross-field rules zod cannot express alone. */
export function parseJob(raw: unknown): Job {
  const r = JobSchema.safeParse(raw);
  if (!r.success) throw new InvalidArgumentError("job", zodProblem(r.error));
  const job = r.data;
  for (const p of [...job.inputs, ...job.outputTo]) if (p >= job.parties) throw new InvalidArgumentError("job", `party ${p} named but the job has ${job.parties} parties`);
  if (new Set(job.inputs).size !== job.inputs.length) throw new InvalidArgumentError("job.inputs", "names a party twice");
  if (job.protocol === "inference") {
    const { model, data, layers } = job.params;
    if (!job.inputs.includes(model) || !job.inputs.includes(data) || model === data || job.inputs.length !== 2) throw new InvalidArgumentError("job.inputs", "inference takes exactly the model party and the data party, which must differ");
    for (let i = 1; i < layers.length; i++) if (layers[i]!.in !== layers[i - 1]!.out) throw new InvalidArgumentError("job.params.layers", `layer ${i} takes ${layers[i]!.in} inputs but layer ${i - 1} gives ${layers[i - 1]!.out}`);
  }
  if ((job.protocol === "linreg-step" || job.protocol === "logreg-step") && job.params.weights && job.params.weights.length !== job.params.features) {
    throw new InvalidArgumentError("job.params.weights", `needs ${job.params.features} entries`);
  }
  if (job.protocol === "histogram" && job.params.edges.some((e, i) => i > 0 && e <= job.params.edges[i - 1]!)) throw new InvalidArgumentError("job.params.edges", "must be strictly increasing");
  return job;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** SHA-256 of the canonical JSON (sorted keys) of the validated job: equal descriptions hash equal. */
export function jobHash(job: Job): string {
  return createHash("sha256").update(canonical(job)).digest("hex");
}

/** The audit record of one job at one party (handed to the injectable `record` callback). */
export interface MpcAuditEvent {
  type: "mpc.job";
  jobId: string;
  jobHash: string;
  protocol: JobProtocol;
  party: number;
  parties: number;
  inputsFrom: number[];
  outputTo: number[];
  /** Whether this party learned the output. */
  learnedOutput: boolean;
  status: "ok" | "aborted";
  errorCode?: string;
  startedAt: string;
  durationMs: number;
}
