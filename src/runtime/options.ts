// Validation of generation options shared by every runtime.
import { InvalidArgumentError } from "../errors/index.ts";
import type { GenerationOptions } from "./stream.ts";

export function validateGenerationOptions(o: GenerationOptions): GenerationOptions {
  if (!Number.isInteger(o.maxTokens) || o.maxTokens <= 0) {
    throw new InvalidArgumentError("max_tokens", `must be a positive integer, got ${o.maxTokens}`);
  }
  if (o.temperature !== undefined && !(Number.isFinite(o.temperature) && o.temperature >= 0 && o.temperature <= 2)) {
    throw new InvalidArgumentError("temperature", `must be between 0 and 2, got ${o.temperature}`);
  }
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 0)) {
    throw new InvalidArgumentError("top_k", `must be an integer ≥ 0, got ${o.topK}`);
  }
  if (o.topP !== undefined && !(Number.isFinite(o.topP) && o.topP > 0 && o.topP <= 1)) {
    throw new InvalidArgumentError("top_p", `must be in (0, 1], got ${o.topP}`);
  }
  if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff)) {
    throw new InvalidArgumentError("seed", `must be an integer in [0, 2^32), got ${o.seed}`);
  }
  if (o.stop !== undefined) {
    if (o.stop.length > 4) throw new InvalidArgumentError("stop", `at most 4 sequences, got ${o.stop.length}`);
    if (o.stop.some((s) => typeof s !== "string" || s.length === 0)) {
      throw new InvalidArgumentError("stop", "every stop sequence must be a non-empty string");
    }
  }
  return o;
}
