// Safetensors round trips, a hand-built file, and the corrupt inputs the reader must refuse by file name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CorruptFileError, InvalidArgumentError } from "../../errors/index.ts";
import { tempDir } from "../../../test/helpers/tmp.ts";
import { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors, type SafeTensor } from "./index.ts";

function handBuilt(header: unknown, data: Uint8Array, rawHeader?: string): Buffer {
  const json = Buffer.from(rawHeader ?? JSON.stringify(header), "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

test("round trip keeps names, order, shapes, values and metadata", async () => {
  const dir = tempDir();
  const tensors = new Map<string, SafeTensor>([
    ["blk.0.attn_q.weight", { dtype: "F32", shape: [2, 3], data: new Float32Array([1, -2.5, 3e-8, Math.PI, -0, 1e30]) }],
    ["counts", { dtype: "I32", shape: [3], data: new Int32Array([-1, 0, 2147483647]) }],
    ["empty", { dtype: "F32", shape: [0, 4], data: new Float32Array(0) }],
    ["scalar", { dtype: "F32", shape: [], data: new Float32Array([7]) }],
  ]);
  const path = join(dir, "a.safetensors");
  await writeSafetensors(path, tensors, { step: "12", note: "ünïcode" });
  const back = await readSafetensors(path);
  assert.deepEqual([...back.tensors.keys()].sort(), [...tensors.keys()].sort());
  for (const [name, t] of tensors) {
    const b = back.tensors.get(name)!;
    assert.equal(b.dtype, t.dtype);
    assert.deepEqual(b.shape, t.shape);
    assert.deepEqual(Array.from(b.data), Array.from(t.data));
  }
  assert.deepEqual(back.metadata, { step: "12", note: "ünïcode" });
});

test("layout follows the format: LE u64 header length, 8-byte aligned data, offsets relative to the data", () => {
  const bytes = encodeSafetensors(new Map([["x", { dtype: "F32", shape: [2], data: new Float32Array([1.5, -2]) } as SafeTensor]]));
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + n) % 8, 0);
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")) as Record<string, { data_offsets: number[] }>;
  assert.deepEqual(header.x!.data_offsets, [0, 8]);
  assert.equal(bytes.readFloatLE(8 + n), 1.5);
  assert.equal(bytes.readFloatLE(8 + n + 4), -2);
});

test("reads a hand-built file with tensors stored out of header order", () => {
  const data = Buffer.alloc(12);
  data.writeInt32LE(42, 0);
  data.writeFloatLE(0.25, 4);
  data.writeFloatLE(-8, 8);
  const file = handBuilt({ b: { dtype: "F32", shape: [1, 2], data_offsets: [4, 12] }, a: { dtype: "I32", shape: [1], data_offsets: [0, 4] } }, data);
  const { tensors, metadata } = decodeSafetensors(file, "hand.safetensors");
  assert.deepEqual(metadata, {});
  assert.deepEqual(Array.from(tensors.get("a")!.data), [42]);
  assert.deepEqual(Array.from(tensors.get("b")!.data), [0.25, -8]);
});

test("corrupt files are refused with an error naming the file", async () => {
  const dir = tempDir();
  const t = (shape: number[], offsets: number[], dtype = "F32") => ({ dtype, shape, data_offsets: offsets });
  const cases: [string, Buffer, RegExp][] = [
    ["short", Buffer.from([1, 2, 3]), /too short/],
    ["past-eof", (() => { const b = handBuilt({}, new Uint8Array(0)); b.writeBigUInt64LE(1000n); return b; })(), /past the end/],
    ["bad-json", handBuilt(null, new Uint8Array(0), "{not json"), /JSON/],
    ["not-object", handBuilt([1, 2], new Uint8Array(0)), /not a JSON object/],
    ["out-of-range", handBuilt({ x: t([4], [0, 16]) }, new Uint8Array(8)), /outside/],
    ["reversed", handBuilt({ x: t([0], [8, 4]) }, new Uint8Array(8)), /outside/],
    ["size-mismatch", handBuilt({ x: t([3], [0, 8]) }, new Uint8Array(8)), /needs 12/],
    ["overlap", handBuilt({ x: t([2], [0, 8]), y: t([2], [4, 12]) }, new Uint8Array(12)), /overlaps/],
    ["gap", handBuilt({ x: t([1], [4, 8]) }, new Uint8Array(8)), /gap/],
    ["trailing", handBuilt({ x: t([1], [0, 4]) }, new Uint8Array(8)), /no tensor uses/],
    ["dtype", handBuilt({ x: t([1], [0, 8], "F64") }, new Uint8Array(8)), /dtype/],
    ["shape", handBuilt({ x: t([-1], [0, 4]) }, new Uint8Array(4)), /bad shape/],
    ["metadata", handBuilt({ __metadata__: { a: 1 } }, new Uint8Array(0)), /__metadata__/],
  ];
  for (const [name, bytes, problem] of cases) {
    const path = join(dir, `${name}.safetensors`);
    writeFileSync(path, bytes);
    await assert.rejects(readSafetensors(path), (e: unknown) => {
      assert.ok(e instanceof CorruptFileError, `${name}: ${String(e)}`);
      assert.ok(e.message.startsWith(path), `${name}: ${e.message}`);
      assert.match(e.message, problem, name);
      return true;
    });
  }
  await assert.rejects(readSafetensors(join(dir, "missing.safetensors")), /missing\.safetensors: file is missing/);
});

test("a truncated real file is refused", async () => {
  const dir = tempDir();
  const bytes = encodeSafetensors(new Map([["w", { dtype: "F32", shape: [64], data: new Float32Array(64).fill(1) } as SafeTensor]]));
  const path = join(dir, "model.safetensors");
  writeFileSync(path, bytes.subarray(0, bytes.length - 10));
  await assert.rejects(readSafetensors(path), /model\.safetensors: .*truncated/);
});

test("the writer refuses tensors whose data does not match their shape", () => {
  assert.throws(() => encodeSafetensors(new Map([["x", { dtype: "F32", shape: [3], data: new Float32Array(2) } as SafeTensor]])), InvalidArgumentError);
  assert.throws(() => encodeSafetensors(new Map([["__metadata__", { dtype: "F32", shape: [1], data: new Float32Array(1) } as SafeTensor]])), InvalidArgumentError);
});
