// Per-tenant analyzer configuration, validated with zod: threshold, enabled entity types,
// allow-list, deny-list and custom recognizers (regex + context + a validator chosen by name).
import safeRegex from "safe-regex2";
import { z } from "zod";
import { InvalidArgumentError } from "../../errors/index.ts";
import { phoneValid } from "./phone.ts";
import { cryptoAddressValid, ibanValid, luhnValid, nhsValid, ssnValid } from "./validators.ts";

/** Validators a custom recognizer can name (config is data, so functions are chosen by name). */
export const VALIDATORS: Record<string, (s: string) => boolean> = {
  luhn: luhnValid,
  iban: ibanValid,
  us_ssn: ssnValid,
  uk_nhs: nhsValid,
  crypto: cryptoAddressValid,
  phone: phoneValid,
};

const entityName = z.string().regex(/^[A-Z][A-Z0-9_]{1,40}$/, "entity types are UPPER_SNAKE_CASE");

export const customRecognizerSchema = z.object({
  name: z.string().min(1).max(64),
  type: entityName,
  pattern: z.string().min(1).max(2000),
  flags: z.string().regex(/^[imsu]*$/, "flags may only be i, m, s, u").optional(),
  score: z.number().min(0).max(1).default(0.8),
  context: z.array(z.string().min(1)).max(100).optional(),
  contextBoost: z.number().min(0).max(1).optional(),
  validator: z.enum(Object.keys(VALIDATORS) as [string, ...string[]]).optional(),
});

export const analyzerConfigSchema = z.object({
  /** Findings scoring below this are dropped. */
  threshold: z.number().min(0).max(1).default(0.35),
  /** Only these types are reported (default: all). */
  entities: z.array(entityName).optional(),
  /** Values never reported, compared case-insensitively to the finding's text. */
  allow: z.array(z.string().min(1)).max(10000).default([]),
  /** Values always reported as the given type, with score 1. */
  deny: z.array(z.object({ type: entityName, values: z.array(z.string().min(1)).min(1).max(10000) })).default([]),
  recognizers: z.array(customRecognizerSchema).max(200).default([]),
  /** Set false to skip the name/place/organisation tagger (patterns only, faster). */
  tagger: z.boolean().default(true),
  /**
   * true: one finding per postal address (the street line with the city, state, country and
   * postcode after it). Default false: the street line and each part set off by a comma or line
   * break are findings of their own, as presidio-research's schema labels them (separate
   * STREET_ADDRESS, GPE and ZIP_CODE types) and as our generator does (synth.ts addressParts).
   * Either way the same characters are found; only how they are counted differs.
   */
  joinAddressParts: z.boolean().default(false),
});

export type AnalyzerConfigInput = z.input<typeof analyzerConfigSchema>;
export type AnalyzerConfig = z.output<typeof analyzerConfigSchema>;

export function parseAnalyzerConfig(input: unknown): AnalyzerConfig {
  const r = analyzerConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InvalidArgumentError(`pii config ${issue.path.join(".") || "(root)"}`, issue.message);
  }
  for (const [i, rec] of r.data.recognizers.entries()) {
    let re: RegExp;
    try {
      re = new RegExp(rec.pattern, rec.flags);
    } catch {
      throw new InvalidArgumentError(`pii config recognizers.${i}.pattern`, "is not a valid regular expression");
    }
    // Every prompt runs these on the request path: a pattern with nested quantifiers (star height
    // > 1, e.g. (a+)+) can backtrack exponentially on a crafted input and stall the server (ReDoS).
    // safe-regex2 is the check fastify applies to route patterns.
    if (!safeRegex(re)) {
      throw new InvalidArgumentError(`pii config recognizers.${i}.pattern`, "may backtrack catastrophically (a quantifier inside a quantified group, such as (a+)+); rewrite it without nested repetition");
    }
  }
  return r.data;
}
