import { test } from "node:test";
import assert from "node:assert/strict";
import { Mailbox } from "./transport.ts";
import { ProtocolAbortError } from "./errors.ts";

const bytes = (n: number) => new Uint8Array([n]);

test("a peer that hangs up fails only receives from it; frames it sent first stay readable", async () => {
  const box = new Mailbox();
  box.deliver(0, "last", bytes(7));
  const fromTwo = box.take(2, "last");
  const fromZeroLater = box.take(0, "more");
  box.failFrom(0, new ProtocolAbortError("connection to party 0 was lost"));
  await assert.rejects(fromZeroLater, /party 0 was lost/);
  assert.deepEqual(await box.take(0, "last"), bytes(7));
  await assert.rejects(box.take(0, "never"), /party 0 was lost/);
  box.deliver(2, "last", bytes(9));
  assert.deepEqual(await fromTwo, bytes(9));
});

test("fail() stops every pending and future receive", async () => {
  const box = new Mailbox();
  const pending = box.take(1, "x");
  box.fail(new ProtocolAbortError("the job ran past its deadline"));
  await assert.rejects(pending, /deadline/);
  await assert.rejects(box.take(2, "y"), /deadline/);
});
