// What a party that neither provides input nor learns the output sees: every field element and every
// bit it receives during a private-inference job is uniformly distributed, whatever the inputs were.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkEvent } from "../../security/audit/index.ts";
import { mpcLedgerEvent } from "./audit.ts";
import { bytesToField, FIELD_BYTES } from "./field.ts";
import { parseJob, type MpcAuditEvent } from "./job.ts";
import { runLocal } from "./local.ts";
import { runJob } from "./protocols/run.ts";

const job = parseJob({
  id: "t", parties: 3, protocol: "inference", inputs: [0, 1], outputTo: [1],
  params: { model: 0, data: 1, layers: [{ in: 8, out: 8 }, { in: 8, out: 4 }] },
});

async function transcriptOfParty2(scale: number) {
  const field: bigint[] = [];
  let ones = 0;
  let bits = 0;
  const tap = (_from: number, to: number, tag: string, payload: Uint8Array) => {
    if (to !== 2) return payload;
    if (tag.endsWith(":openb")) {
      for (const byte of payload) for (let b = 0; b < 8; b++) ones += (byte >> b) & 1;
      bits += payload.length * 8;
    } else field.push(...bytesToField(payload, payload.byteLength / FIELD_BYTES));
    return payload;
  };
  const model = { layers: [{ w: Array.from({ length: 8 }, (_, r) => Array.from({ length: 8 }, (_, c) => scale * Math.sin(r * 8 + c))), b: new Array(8).fill(scale) }, { w: Array.from({ length: 4 }, () => new Array(8).fill(scale)), b: [0, 0, 0, 0] }] };
  const x = Array.from({ length: 16 }, (_, r) => Array.from({ length: 8 }, (_, c) => scale * ((r + c) % 3)));
  const outs = await runLocal(3, async (s) => (await runJob(s, job, s.id === 0 ? model : s.id === 1 ? { x } : undefined)).output, { tap });
  assert.equal(outs[2], null);
  return { field, ones, bits };
}

for (const scale of [0, 1000]) {
  test(`party 2's transcript is uniform (inputs scaled by ${scale}): χ² of field elements' low bits, frequency of top bit and of opened bits`, async () => {
    const { field, ones, bits } = await transcriptOfParty2(scale);
    assert.ok(field.length > 2000, `${field.length} field elements`);
    const counts = new Array(16).fill(0);
    let top = 0;
    for (const v of field) {
      counts[Number(v & 15n)]++;
      top += Number((v >> 126n) & 1n);
    }
    const expected = field.length / 16;
    const chi2 = counts.reduce((a, c) => a + (c - expected) ** 2 / expected, 0);
    assert.ok(chi2 < 37.7, `χ²(15) = ${chi2} over ${field.length} elements`); // 0.1% critical value
    // Uniform on [0, p) with p ≈ 2^127: the top bit is 1 about half the time (5σ band).
    assert.ok(Math.abs(top - field.length / 2) < 5 * Math.sqrt(field.length / 4), `top bit ${top}/${field.length}`);
    assert.ok(bits > 1000 && Math.abs(ones - bits / 2) < 5 * Math.sqrt(bits / 4), `opened bits ${ones}/${bits}`);
  });
}

test("job records map to valid audit-ledger events holding only ids, hash and counts", async () => {
  const events: MpcAuditEvent[] = [];
  await runLocal(3, async (s) => runJob(s, parseJob({ id: "sum-a", parties: 3, protocol: "sum", inputs: [0, 1], outputTo: [2], params: { length: 1 } }), [s.id === 0 ? 123.5 : 7], (e) => events.push(e)));
  for (const e of events) {
    const ev = mpcLedgerEvent(e, { who: "site-a", tenant: "default" });
    checkEvent(ev);
    assert.equal(ev.inputHash, e.jobHash);
    assert.ok(!JSON.stringify(ev).includes("123.5"));
  }
  assert.deepEqual(events.map((e) => e.learnedOutput).sort(), [false, false, true]);
});
