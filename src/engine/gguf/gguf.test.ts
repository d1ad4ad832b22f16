// GGUF writer and reader: every metadata type, tensor round trips, padding, validation and corrupt files.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGgufFileInfo } from "node-llama-cpp";
import { CorruptFileError, InvalidArgumentError, NotFoundError } from "../../errors/index.ts";
import { decodeF16, encodeF16 } from "./f16.ts";
import { dequantizeQ8_0, quantizeQ8_0 } from "./q8_0.ts";
import { describeGguf, readGguf, readTensorF32, writeGguf, type GgufMetadataValue, type GgufTensorInput } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "llmos-gguf-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (name = "t") => join(dir, `${name}-${n++}.gguf`);

const ALL_TYPES: Array<[string, GgufMetadataValue, unknown]> = [
  ["t.uint8", { type: "uint8", value: 255 }, 255],
  ["t.int8", { type: "int8", value: -128 }, -128],
  ["t.uint16", { type: "uint16", value: 65535 }, 65535],
  ["t.int16", { type: "int16", value: -32768 }, -32768],
  ["t.uint32", { type: "uint32", value: 4294967295 }, 4294967295],
  ["t.int32", { type: "int32", value: -2147483648 }, -2147483648],
  ["t.float32", { type: "float32", value: 1e-5 }, 1e-5], // read back as the shortest decimal of the same float32
  ["t.float32b", { type: "float32", value: 0.1 }, 0.1],
  ["t.bool", { type: "bool", value: true }, true],
  ["t.boolf", { type: "bool", value: false }, false],
  ["t.string", { type: "string", value: "héllo\n世界 🦙" }, "héllo\n世界 🦙"],
  ["t.empty", { type: "string", value: "" }, ""],
  ["t.uint64", { type: "uint64", value: 2n ** 64n - 1n }, 2n ** 64n - 1n],
  ["t.uint64n", { type: "uint64", value: 5 }, 5n],
  ["t.int64", { type: "int64", value: -(2n ** 63n) }, -(2n ** 63n)],
  ["t.float64", { type: "float64", value: Math.PI }, Math.PI],
  ["a.uint8", { type: "array", itemType: "uint8", value: [0, 1, 255] }, [0, 1, 255]],
  ["a.int8", { type: "array", itemType: "int8", value: [-1, 127] }, [-1, 127]],
  ["a.uint16", { type: "array", itemType: "uint16", value: [7] }, [7]],
  ["a.int16", { type: "array", itemType: "int16", value: [-7, 300] }, [-7, 300]],
  ["a.uint32", { type: "array", itemType: "uint32", value: [1, 2, 3] }, [1, 2, 3]],
  ["a.int32", { type: "array", itemType: "int32", value: [-5, 5] }, [-5, 5]],
  ["a.float32", { type: "array", itemType: "float32", value: [0.5, -2] }, [0.5, -2]],
  ["a.bool", { type: "array", itemType: "bool", value: [true, false, true] }, [true, false, true]],
  ["a.string", { type: "array", itemType: "string", value: ["a", "", "Ġthe"] }, ["a", "", "Ġthe"]],
  ["a.uint64", { type: "array", itemType: "uint64", value: [1n, 2] }, [1n, 2n]],
  ["a.int64", { type: "array", itemType: "int64", value: [-1n] }, [-1n]],
  ["a.float64", { type: "array", itemType: "float64", value: [1e300, -0.25] }, [1e300, -0.25]],
  ["a.emptyarr", { type: "array", itemType: "string", value: [] }, []],
];

function tensors(): GgufTensorInput[] {
  const w = new Float32Array(4 * 64).map((_, i) => Math.sin(i) * 0.3);
  return [
    { name: "w.q8", shape: [4, 64], type: "q8_0", data: w },
    { name: "w.f16", shape: [2, 3, 5], type: "f16", data: new Float32Array(30).map((_, i) => i / 7) },
    { name: "norm", shape: [7], type: "f32", data: new Float32Array([1, -2, 3.25, 1e-30, 0, 5, 6]) },
  ];
}

test("write -> read round trip of every metadata type, arrays and tensors", async () => {
  const path = fresh();
  await writeGguf(path, ALL_TYPES.map(([k, v]) => [k, v]), tensors());
  const f = await readGguf(path);
  assert.equal(f.version, 3);
  assert.equal(f.alignment, 32);
  assert.equal(f.fileSize, readFileSync(path).length);
  assert.deepEqual([...f.metadata.keys()], ALL_TYPES.map(([k]) => k));
  for (const [key, v, expected] of ALL_TYPES) {
    const got = f.metadata.get(key)!;
    assert.equal(got.type, v.type, key);
    if (v.type === "array" && got.type === "array") assert.equal(got.itemType, v.itemType, key);
    assert.deepEqual(got.value, expected, key);
  }
  assert.deepEqual(f.tensors.map((t) => [t.name, t.shape, t.typeName, t.byteLength]), [
    ["w.q8", [4, 64], "Q8_0", 8 * 34],
    ["w.f16", [2, 3, 5], "F16", 60],
    ["norm", [7], "F32", 28],
  ]);
  for (const t of f.tensors) assert.equal((t.offset - f.dataOffset) % 32n, 0n);
  assert.equal(f.dataOffset % 32n, 0n);

  const [q8, f16, f32] = tensors();
  assert.deepEqual(await readTensorF32(f, "norm"), f32!.data);
  const half = new Uint8Array(60);
  encodeF16(f16!.data, 0, 30, half, 0);
  const halfBack = new Float32Array(30);
  decodeF16(half, halfBack);
  assert.deepEqual(await readTensorF32(f, "w.f16"), halfBack);
  const qb = new Uint8Array(8 * 34);
  quantizeQ8_0(q8!.data, 0, 8, qb, 0);
  const qBack = new Float32Array(256);
  dequantizeQ8_0(qb, qBack);
  assert.deepEqual(await readTensorF32(f, "w.q8"), qBack);
  await assert.rejects(readTensorF32(f, "nope"), NotFoundError);
});

test("node-llama-cpp's own GGUF parser reads what we write", async () => {
  const path = fresh();
  await writeGguf(path, ALL_TYPES.map(([k, v]) => [k, v]), tensors());
  const info = await readGgufFileInfo(path, { logWarnings: false });
  assert.equal(info.version, 3);
  assert.equal(Number(info.tensorCount), 3);
  const meta = info.metadata as unknown as Record<string, Record<string, unknown>>;
  assert.equal(meta.t!.string, "héllo\n世界 🦙");
  assert.equal(meta.t!.int32, -2147483648);
  assert.equal(meta.t!.uint64, 2n ** 64n - 1n);
  assert.deepEqual(meta.a!.string, ["a", "", "Ġthe"]);
  const ours = await readGguf(path);
  assert.deepEqual(info.tensorInfo!.map((t) => [t.name, [...t.dimensions].map(Number).reverse(), t.ggmlType, BigInt(t.fileOffset)]),
    ours.tensors.map((t) => [t.name, t.shape, t.ggmlType, t.offset]));
});

test("general.alignment sets the padding of the data section and of every tensor", async () => {
  const path = fresh();
  await writeGguf(path, [["general.alignment", { type: "uint32", value: 256 }]], tensors());
  const f = await readGguf(path);
  assert.equal(f.alignment, 256);
  assert.equal(f.dataOffset % 256n, 0n);
  for (const t of f.tensors) assert.equal(t.offset % 256n, 0n);
  assert.deepEqual(await readTensorF32(f, "norm"), tensors()[2]!.data);
});

test("tensors larger than one write chunk are encoded the same as in one piece", async () => {
  const rows = (1 << 20) / 64 + 100;
  const data = new Float32Array(rows * 64).map((_, i) => Math.sin(i * 0.37) * (1 + (i % 1000) / 100));
  const path = fresh();
  await writeGguf(path, [], [
    { name: "big.q8", shape: [rows, 64], type: "q8_0", data },
    { name: "big.f16", shape: [rows, 64], type: "f16", data },
  ]);
  const f = await readGguf(path);
  const q = new Uint8Array((data.length / 32) * 34);
  quantizeQ8_0(data, 0, data.length / 32, q, 0);
  const expectQ = new Float32Array(data.length);
  dequantizeQ8_0(q, expectQ);
  assert.deepEqual(await readTensorF32(f, "big.q8"), expectQ);
  const back = await readTensorF32(f, "big.f16");
  for (let i = 0; i < data.length; i += 997) assert.ok(Math.abs(back[i]! - data[i]!) <= Math.abs(data[i]!) * 2 ** -11);
  assert.deepEqual(readdirSync(dir).filter((x) => x.endsWith(".tmp")), [], "no temporary files left behind");
});

test("writer rejects bad input with errors naming the field, and leaves an existing file untouched", async () => {
  const path = fresh();
  await writeGguf(path, [["k", { type: "uint8", value: 1 }]], []);
  const before = readFileSync(path);
  const bad: Array<[Array<[string, GgufMetadataValue]>, GgufTensorInput[], RegExp]> = [
    [[["k", { type: "uint8", value: 1 }], ["k", { type: "uint8", value: 2 }]], [], /metadata 'k': appears twice/],
    [[["has space", { type: "uint8", value: 1 }]], [], /metadata key/],
    [[["k", { type: "uint8", value: 256 }]], [], /metadata 'k': uint8 must be an integer in \[0, 255\]/],
    [[["k", { type: "int32", value: 1.5 }]], [], /int32/],
    [[["k", { type: "uint64", value: -1n }]], [], /uint64/],
    [[["k", { type: "string", value: 3 }]], [], /string value must be a string/],
    [[["k", { type: "array", itemType: "int8", value: [1, 200] }]], [], /metadata 'k'\[1\]: int8/],
    [[["k", { type: "float", value: 1 } as unknown as GgufMetadataValue]], [], /unknown GGUF value type/],
    [[["general.alignment", { type: "uint32", value: 24 }]], [], /power of two/],
    [[], [{ name: "w", shape: [2, 48], type: "q8_0", data: new Float32Array(96) }], /tensor 'w': q8_0 needs a row length .* multiple of 32, got 48/],
    [[], [{ name: "w", shape: [2, 3], type: "f32", data: new Float32Array(5) }], /holds 6 values but data has 5/],
    [[], [{ name: "w", shape: [1], type: "f32", data: new Float32Array(1) }, { name: "w", shape: [1], type: "f32", data: new Float32Array(1) }], /appears twice/],
    [[], [{ name: "x".repeat(64), shape: [1], type: "f32", data: new Float32Array(1) }], /tensor name: must be 1–63 bytes/],
    [[], [{ name: "w", shape: [1, 1, 1, 1, 1], type: "f32", data: new Float32Array(1) }], /1–4 dimensions/],
    [[], [{ name: "w", shape: [0], type: "f32", data: new Float32Array(0) }], /positive integers/],
    [[], [{ name: "w", shape: [1], type: "q4_0" as never, data: new Float32Array(1) }], /type must be f32, f16 or q8_0/],
  ];
  for (const [meta, ts, re] of bad) {
    await assert.rejects(writeGguf(path, meta, ts), (e: unknown) => e instanceof InvalidArgumentError && re.test(e.message), String(re));
  }
  assert.deepEqual(readFileSync(path), before);
  await assert.rejects(writeGguf(join(dir, "no-such-dir", "x.gguf"), [], []), /x\.gguf: cannot write the GGUF file \(its directory does not exist\)/);
});

// A one-tensor file without metadata has its fields at fixed offsets:
// 0 magic, 4 version, 8 tensor count, 16 kv count, 24 name length, 32 "w", 33 n_dims, 37 ne[0], 45 ne[1], 53 type, 57 offset.
async function oneTensorFile(): Promise<Buffer> {
  const path = fresh();
  await writeGguf(path, [], [{ name: "w", shape: [2, 32], type: "f32", data: new Float32Array(64).fill(1) }]);
  return readFileSync(path);
}

async function expectCorrupt(bytes: Uint8Array, re: RegExp): Promise<void> {
  const path = fresh("bad");
  writeFileSync(path, bytes);
  await assert.rejects(readGguf(path), (e: unknown) => {
    assert.ok(e instanceof CorruptFileError, `expected CorruptFileError, got ${String(e)}`);
    assert.ok(e.message.startsWith(path), e.message);
    assert.match(e.message, re);
    return true;
  });
}

test("corrupt files give CorruptFileError naming the file and the problem", async () => {
  const good = await oneTensorFile();
  const patch = (at: number, write: (b: Buffer) => void) => {
    const b = Buffer.from(good);
    write(b.subarray(at));
    return b;
  };
  await expectCorrupt(patch(0, (b) => (b[0]! ^= 0xff)), /bad magic/);
  await expectCorrupt(new Uint8Array(0), /empty/);
  await expectCorrupt(patch(4, (b) => b.writeUInt32LE(1)), /unsupported GGUF version 1/);
  await expectCorrupt(patch(4, (b) => b.writeUInt32LE(4)), /unsupported GGUF version 4/);
  await expectCorrupt(patch(4, (b) => b.writeUInt32BE(3)), /big-endian/);
  await expectCorrupt(patch(8, (b) => b.writeBigUInt64LE(1n << 40n)), /absurd tensor count/);
  await expectCorrupt(patch(16, (b) => b.writeBigUInt64LE(1n << 40n)), /absurd metadata count/);
  await expectCorrupt(patch(24, (b) => b.writeBigUInt64LE(1n << 62n)), /string length 4611686018427387904 at byte 24 .* runs past the end of the file/);
  await expectCorrupt(patch(33, (b) => b.writeUInt32LE(5)), /5 dimensions/);
  await expectCorrupt(patch(37, (b) => b.writeBigUInt64LE(33n)), /data .* runs past the end of the file/);
  await expectCorrupt(patch(57, (b) => b.writeBigUInt64LE(8n)), /not a multiple of the alignment 32/);
  await expectCorrupt(patch(57, (b) => b.writeBigUInt64LE(32n * 1000n)), /tensor 'w' data .* runs past the end of the file/);
  // A bad metadata value type and a bool that is not 0/1.
  const path = fresh();
  await writeGguf(path, [["flag", { type: "bool", value: true }]], []);
  const withBool = readFileSync(path);
  const boolAt = 24 + 8 + 4 + 4; // key length, "flag", value type
  const b2 = Buffer.from(withBool);
  b2[boolAt] = 2;
  await expectCorrupt(b2, /bool value 2 .*'flag'/);
  const b3 = Buffer.from(withBool);
  b3.writeUInt32LE(13, boolAt - 4);
  await expectCorrupt(b3, /unknown value type 13/);
  await assert.rejects(readGguf(join(dir, "missing.gguf")), /missing\.gguf: file is missing/);
  mkdirSync(join(dir, "adir.gguf"));
  await assert.rejects(readGguf(join(dir, "adir.gguf")), (e: unknown) => e instanceof CorruptFileError && /directory/.test(e.message));
});

test("every truncation before the end of the tensor data is a CorruptFileError; trailing padding is optional", async () => {
  const path = fresh();
  await writeGguf(path, ALL_TYPES.map(([k, v]) => [k, v]), tensors());
  const bytes = readFileSync(path);
  const f = await readGguf(path);
  const last = f.tensors.at(-1)!;
  const dataEnd = Number(last.offset) + last.byteLength;
  const cut = fresh("cut");
  for (let len = 0; len < bytes.length; len++) {
    writeFileSync(cut, bytes.subarray(0, len));
    if (len < dataEnd) {
      await assert.rejects(readGguf(cut), (e: unknown) => e instanceof CorruptFileError, `cut at ${len}`);
    } else {
      assert.equal((await readGguf(cut)).tensors.length, 3);
    }
  }
});

test("a 4 GiB (sparse) file is parsed from its header alone", async () => {
  const b = Buffer.from(await oneTensorFile());
  b.writeBigUInt64LE(1n << 25n, 45); // [2^25, 32] f32 = 4 GiB of tensor data
  const path = fresh("big");
  writeFileSync(path, b.subarray(0, 96));
  truncateSync(path, 96 + 2 ** 32); // extends with a hole: nothing is really written
  const rss = process.memoryUsage().rss;
  const f = await readGguf(path);
  assert.deepEqual(f.tensors[0]!.shape, [2 ** 25, 32]);
  assert.equal(f.tensors[0]!.byteLength, 2 ** 32);
  assert.equal(f.dataOffset, 96n);
  assert.ok(process.memoryUsage().rss - rss < 64 << 20, "reading the header must not load the data");
  truncateSync(path, 96 + 2 ** 32 - 1);
  await assert.rejects(readGguf(path), /runs past the end of the file/);
});

test("unknown ggml types are listed by number, not rejected; reading them as float32 is a clear error", async () => {
  const good = await oneTensorFile();
  const b = Buffer.from(good);
  b.writeUInt32LE(99, 53);
  const path = fresh();
  writeFileSync(path, b);
  const f = await readGguf(path);
  assert.equal(f.tensors[0]!.typeName, "TYPE_99");
  assert.equal(f.tensors[0]!.ggmlType, 99);
  assert.equal(Number(f.tensors[0]!.offset) + f.tensors[0]!.byteLength, f.fileSize);
  await assert.rejects(readTensorF32(f, "w"), /tensor 'w': type TYPE_99 cannot be read as float32/);
  b.writeUInt32LE(12, 53); // Q4_K: a known type this module cannot decode; 256-value blocks do not divide a 32-wide row
  writeFileSync(path, b);
  await assert.rejects(readGguf(path), /row length 32 is not a multiple of the Q4_K block size 256/);
  assert.match(describeGguf(f), /1 TYPE_99/);
});

test("describeGguf summarises long arrays and long strings", async () => {
  const path = fresh();
  await writeGguf(path, [
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.file_type", { type: "uint32", value: 7 }],
    ["tok", { type: "array", itemType: "string", value: Array.from({ length: 4096 }, (_, i) => `t${i}`) }],
    ["short", { type: "array", itemType: "int32", value: [1, 2, 3] }],
    ["tmpl", { type: "string", value: "x".repeat(500) }],
  ], tensors());
  const text = describeGguf(await readGguf(path));
  assert.match(text, /GGUF v3/);
  assert.match(text, /architecture +llama/);
  assert.match(text, /MOSTLY_Q8_0 \(7\)/);
  assert.match(text, /tok \(string\[\]\) = \[4096 items\]/);
  assert.match(text, /short \(int32\[\]\) = \[1, 2, 3\]/);
  assert.match(text, /\(500 chars\)/);
  assert.match(text, /tensors +3: /);
  assert.match(text, /parameters +293 /);
  assert.ok(!text.includes("x".repeat(200)));
});
