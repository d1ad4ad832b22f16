import { test } from "node:test";
import assert from "node:assert/strict";
import { CorruptFileError, InvalidArgumentError, LimitExceededError, LlmosError, NotFoundError } from "./index.ts";

test("errors carry code, status, and the facts that caused them", () => {
  const e = new InvalidArgumentError("learning_rate", "must be > 0, got -1");
  assert.ok(e instanceof LlmosError);
  assert.equal(e.code, "invalid_argument");
  assert.equal(e.status, 400);
  assert.equal(e.field, "learning_rate");
  assert.equal(e.message, "learning_rate: must be > 0, got -1");
  assert.equal(e.name, "InvalidArgumentError");

  const c = new CorruptFileError("m.gguf", "truncated");
  assert.equal(c.data.file, "m.gguf");
  assert.equal(new NotFoundError("preset", "huge", "known: tiny").message, "unknown preset 'huge'; known: tiny");
  assert.equal(new LimitExceededError("prompt tokens", 300, 256).status, 413);
});
