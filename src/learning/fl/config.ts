// federation.yaml: the coordinator's configuration, validated field by field (zod), with paths
// resolved against the file's folder and combinations that cannot work refused up front.
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { CorruptFileError, InvalidArgumentError, NotFoundError } from "../../errors/index.ts";
import { getStrategy } from "./strategy.ts";

const positive = z.number().positive();
const int = (min: number) => z.number().int().min(min);

export const localSchema = z.object({
  epochs: int(1).default(1),
  batchSize: int(1).default(8),
  seqLen: int(2).default(64),
  lr: positive.default(3e-3),
  /** Cap on optimizer steps per round (E epochs may be more). */
  maxSteps: int(1).optional(),
  /** FedProx μ; 0 = plain local training. */
  mu: z.number().min(0).default(0),
  clip: positive.default(1),
}).strict();

export const federationSchema = z.object({
  version: z.literal(1).default(1),
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).default("federation"),
  listen: z.object({ host: z.string().default("127.0.0.1"), port: int(0).max(65535).default(8443) }).strict().default({ host: "127.0.0.1", port: 8443 }),
  credentials: z.string(),
  tokenizer: z.string(),
  model: z.object({ preset: z.string().default("tiny"), seed: z.number().int().default(1) }).strict().default({ preset: "tiny", seed: 1 }),
  rounds: int(1).default(3),
  sampling: z.object({
    fraction: z.number().gt(0).max(1).default(1),
    /** Fewest sites a round may sample; fewer available → wait (up to waitForSitesMs), then stop. */
    minSites: int(1).default(2),
    /** Sites that must have joined before the first round starts (default minSites). */
    startAfter: int(1).optional(),
    waitForSitesMs: int(0).default(60_000),
  }).strict().default({ fraction: 1, minSites: 2, waitForSitesMs: 60_000 }),
  strategy: z.object({
    name: z.string().default("fedavg"),
    serverLr: positive.optional(), beta1: z.number().optional(), beta2: z.number().optional(), tau: positive.optional(),
    trimFraction: z.number().optional(), byzantine: z.number().optional(), krumSelect: z.number().optional(),
  }).strict().default({ name: "fedavg" }),
  local: localSchema.default(localSchema.parse({})),
  secagg: z.object({
    enabled: z.boolean().default(true),
    mode: z.enum(["full", "plus"]).default("full"),
    /** Shares needed per secret; default: a majority of the round's sites (or neighbourhood in plus mode). */
    threshold: int(2).optional(),
    neighbours: int(2).optional(),
    /** L2 clip of each site's update before encoding; also the per-coordinate range. */
    clip: positive.default(10),
    fracBits: int(0).max(30).default(16),
    /** FedAvg weight of a site = min(1, examples / examplesCap), carried inside the secure sum. */
    examplesCap: positive.default(1000),
  }).strict().default({ enabled: true, mode: "full", clip: 10, fracBits: 16, examplesCap: 1000 }),
  dp: z.object({
    enabled: z.boolean().default(false),
    /** z: Gaussian noise std = z · clip on the sum of clipped updates (McMahan et al. 2018). */
    noiseMultiplier: z.number().min(0).default(1),
    clip: positive.default(1),
    delta: z.number().gt(0).lt(1).default(1e-5),
    /**
     * central: the coordinator adds N(0, (zC)²) to the sum; distributed: each of the n sampled sites adds
     * N(0, (zC)²/n) before masking, so not even the coordinator sees a noiseless sum (needs secagg).
     */
    placement: z.enum(["central", "distributed"]).default("central"),
    /** The federation's budget: no round starts whose release would take ε over this. */
    maxEpsilon: positive.optional(),
  }).strict().default({ enabled: false, noiseMultiplier: 1, clip: 1, delta: 1e-5, placement: "central" }),
  timeouts: z.object({ stageMs: int(100).default(10_000), trainMs: int(100).default(120_000), pollMs: int(100).default(15_000) }).strict()
    .default({ stageMs: 10_000, trainMs: 120_000, pollMs: 15_000 }),
  out: z.string().default("fl-out"),
}).strict();

export type FederationConfig = z.infer<typeof federationSchema>;
export type LocalConfig = z.infer<typeof localSchema>;

/** First zod issue as "field: problem" (values are not echoed: config may name private paths). */
export function zodProblem(where: string, error: z.ZodError): InvalidArgumentError {
  const issue = error.issues[0]!;
  const field = [where, ...issue.path.map(String)].filter(Boolean).join(".");
  return new InvalidArgumentError(field || where, issue.message);
}

export function validateFederation(raw: unknown, baseDir = "."): FederationConfig {
  const parsed = federationSchema.safeParse(raw ?? {});
  if (!parsed.success) throw zodProblem("federation", parsed.error);
  const c = parsed.data;
  const strategy = getStrategy(c.strategy.name);
  if (c.secagg.enabled && !strategy.secureAggregation) {
    throw new InvalidArgumentError("federation.strategy.name", `'${strategy.name}' needs every single update and cannot run with secure aggregation; set secagg.enabled: false or pick fedavg, fedsgd, fedprox, fedadam or fedyogi`);
  }
  if (c.dp.enabled && !strategy.secureAggregation) {
    throw new InvalidArgumentError("federation.dp.enabled", `client-level DP is defined here for mean-based strategies, not '${strategy.name}'`);
  }
  if (c.dp.enabled && c.dp.placement === "distributed" && !c.secagg.enabled) {
    throw new InvalidArgumentError("federation.dp.placement", "distributed noise needs secure aggregation (secagg.enabled: true); without it use central");
  }
  // FedProx without a proximal term is FedAvg; give it the μ = 0.01 Li et al. 2020 often use unless set.
  const rawMu = (raw as { local?: { mu?: unknown } } | undefined)?.local?.mu;
  if (strategy.name === "fedprox" && rawMu === undefined) c.local.mu = 0.01;
  if (c.secagg.threshold !== undefined && c.secagg.threshold > 10_000) throw new InvalidArgumentError("federation.secagg.threshold", "is larger than any federation");
  return { ...c, credentials: resolve(baseDir, c.credentials), tokenizer: resolve(baseDir, c.tokenizer), out: resolve(baseDir, c.out) };
}

export async function loadFederation(path: string): Promise<FederationConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new NotFoundError("federation config", path, "check --config", { cause });
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (cause) {
    throw new CorruptFileError(path, "is not valid YAML", { cause });
  }
  return validateFederation(raw, dirname(resolve(path)));
}
