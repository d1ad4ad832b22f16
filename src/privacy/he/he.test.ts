// CKKS through node-seal: keys and ciphertexts round-trip through the LLMOSHE1 format, and the stated
// error bounds hold for encryption, addition, aggregation and the encrypted linear layer.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnvelopeCipher, MasterKeyring } from "../../security/crypto/index.ts";
import { openDatabase } from "../../store/index.ts";
import { evaluateLinearBytes, openSecretKey, sealKeyBundle, deserializeCiphertext, serializeCiphertext } from "./index.ts";
import { aggregateEncrypted, CkksContext, decryptAggregate, decryptLinearOutput, decryptVector, disposeKeys, EncryptedLinearLayer, EncryptedVector, encryptLinearInput, encryptUpdate, encryptVector, linearPlan } from "./index.ts";

const ctx = await CkksContext.create();
after(() => ctx.dispose());

const maxErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i * 12.9898) * 2 - 1);

test("N/2 = 4096 slots; a vector longer than one ciphertext is chunked; add and plaintext multiply within bounds", () => {
  const keys = ctx.generateKeys();
  try {
    assert.equal(ctx.slots, 4096);
    const a = rand(10_000, 1), b = rand(10_000, 2);
    const ea = encryptVector(ctx, keys.publicKey, a);
    const eb = encryptVector(ctx, keys.publicKey, b);
    assert.equal(ea.chunks.length, 3);
    assert.ok(maxErr(decryptVector(ctx, keys.secretKey, ea), a) <= 1e-6);
    ea.addInPlace(eb);
    const sum = a.map((x, i) => x + b[i]!);
    assert.ok(maxErr(decryptVector(ctx, keys.secretKey, ea), sum) <= 1e-6, "addition error ≤ 1e-6 at scale 2^40");
    const w = Float64Array.from({ length: 10_000 }, (_, i) => (i % 7) / 7 - 0.5);
    ea.multiplyPlainInPlace(w);
    assert.ok(maxErr(decryptVector(ctx, keys.secretKey, ea), sum.map((x, i) => x * w[i]!)) <= 1e-6, "plaintext-ciphertext product after rescale ≤ 1e-6");
    ea.multiplyPlainInPlace(0.5); // second and last level of the 60+40+40+60 chain
    assert.ok(maxErr(decryptVector(ctx, keys.secretKey, ea), sum.map((x, i) => x * w[i]! * 0.5)) <= 1e-6);
    ea.dispose();
    eb.dispose();
    assert.throws(() => ea.addInPlace(eb), (e: Error & { code?: string }) => e.code === "he_disposed");
  } finally {
    disposeKeys(keys);
  }
});

test("keys, parameters and ciphertexts serialise; wrong kind or parameters are refused", async () => {
  const keys = ctx.generateKeys();
  const bytes = ctx.exportKeys(keys, { includeSecret: true });
  assert.equal(ctx.exportKeys(keys).secretKey, undefined);
  assert.equal(Buffer.from(bytes.publicKey.subarray(0, 8)).toString(), "LLMOSHE1");
  const server = await CkksContext.fromParams(ctx.exportParams());
  try {
    assert.deepEqual(server.paramsId, ctx.paramsId);
    const pk = server.loadPublicKey(bytes.publicKey);
    const v = encryptVector(server, pk, [1.25, -2.5, 3]);
    const wire = v.serialize();
    const back = EncryptedVector.deserialize(ctx, wire);
    const sk = ctx.loadSecretKey(bytes.secretKey!);
    assert.ok(maxErr(decryptVector(ctx, sk, back), [1.25, -2.5, 3]) <= 1e-6);
    assert.throws(() => ctx.loadSecretKey(bytes.publicKey), /expected a secretKey/);
    const other = await CkksContext.create({ polyModulusDegree: 4096, coeffBits: [40, 20, 40], scaleBits: 20 });
    assert.throws(() => other.loadPublicKey(bytes.publicKey), /other encryption parameters/);
    other.dispose();
    const cut = wire.slice(0, wire.length - 10);
    assert.throws(() => EncryptedVector.deserialize(ctx, cut), (e: Error & { code?: string }) => e.code === "he_format");
    for (const o of [pk, sk]) o.delete();
    v.dispose();
    back.dispose();
  } finally {
    server.dispose();
    disposeKeys(keys);
  }
});

test("encrypted aggregation of 8 clients' Float32 updates (20k entries): the server needs no key; error ≤ 1e-6", async () => {
  const keys = ctx.generateKeys();
  const server = await CkksContext.fromParams(ctx.exportParams());
  try {
    const clients = Array.from({ length: 8 }, (_, c) => rand(20_000, c + 10));
    const pk = ctx.exportKeys(keys).publicKey;
    const uploads = clients.map((u) => {
      const clientCtxPk = ctx.loadPublicKey(pk);
      try {
        return encryptUpdate(ctx, clientCtxPk, u);
      } finally {
        clientCtxPk.delete();
      }
    });
    const agg = aggregateEncrypted(server, uploads);
    const mean = decryptAggregate(ctx, keys.secretKey, agg, 8);
    const expect = clients[0]!.map((_, i) => clients.reduce((a, c) => a + c[i]!, 0) / 8);
    // Float32 output rounding (≤ 2^-24 relative) plus the CKKS error of 8 additions.
    assert.ok(maxErr(mean, expect) <= 1e-6, `error ${maxErr(mean, expect)}`);
  } finally {
    server.dispose();
    disposeKeys(keys);
  }
});

test("encrypted linear layer (diagonal method, BSGS): 10×128 head and 100×100, error ≤ 1e-4 for |w|, |x| ≤ 1", () => {
  for (const [out, inp] of [[10, 128], [100, 100], [3, 5]] as const) {
    const plan = linearPlan(inp, out, ctx.slots);
    const keys = ctx.generateKeys({ galoisSteps: plan.steps });
    const w = Array.from({ length: out }, (_, r) => Array.from(rand(inp, r + 100)));
    const b = Array.from(rand(out, 7));
    const x = rand(inp, 99);
    const layer = EncryptedLinearLayer.create(ctx, w, b);
    try {
      const ct = encryptLinearInput(ctx, keys.publicKey, x, plan);
      const y = layer.evaluate(ct, keys.galoisKeys!);
      const got = decryptLinearOutput(ctx, keys.secretKey, y, plan);
      const expect = w.map((row, r) => row.reduce((a, v, i) => a + v * x[i]!, b[r]!));
      const err = maxErr(got, expect);
      assert.ok(err <= 1e-4, `${out}×${inp}: error ${err}`);
      assert.ok(plan.steps.length <= 2 * Math.sqrt(plan.d), "about 2√d rotation keys");
      ct.delete();
      y.delete();
    } finally {
      layer.dispose();
      disposeKeys(keys);
    }
  }
  assert.throws(() => linearPlan(5000, 2, ctx.slots), /exceeds/);
});

test("the secret key is stored sealed by the envelope cipher, bound to its name and parameters", async () => {
  const dir = mkdtempSync(join(tmpdir(), "llmos-he-store-"));
  const db = openDatabase(join(dir, "llmos.db"));
  const keys = ctx.generateKeys();
  try {
    const env = {};
    const cipher = EnvelopeCipher.open(db, MasterKeyring.load(dir, env), () => MasterKeyring.load(dir, env));
    const bundle = sealKeyBundle(cipher, ctx, keys, "fl-round-keys");
    const raw = ctx.exportKeys(keys, { includeSecret: true }).secretKey!;
    assert.ok(!Buffer.from(bundle.sealedSecretKey).includes(Buffer.from(raw.subarray(60, 92))), "sealed bytes do not contain the key");
    const sk = openSecretKey(cipher, ctx, bundle.sealedSecretKey, "fl-round-keys");
    const pk = ctx.loadPublicKey(bundle.publicKey);
    const v = encryptVector(ctx, pk, [0.5, -0.25]);
    assert.ok(maxErr(decryptVector(ctx, sk, v), [0.5, -0.25]) <= 1e-6);
    assert.throws(() => openSecretKey(cipher, ctx, bundle.sealedSecretKey, "another-name"), (e: Error & { code?: string }) => e.code === "integrity_error");
    v.dispose();
    sk.delete();
    pk.delete();
  } finally {
    disposeKeys(keys);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("encrypted inference as a client/server exchange of bytes: the server loads only params, Galois keys and the ciphertext", async () => {
  const w = [[0.5, -0.25, 1, 0], [0, 1, -1, 0.5]];
  const b = [0.1, -0.1];
  const x = [1, 2, -0.5, 0.25];
  const plan = linearPlan(4, 2, ctx.slots);
  const keys = ctx.generateKeys({ galoisSteps: plan.steps });
  const server = await CkksContext.fromParams(ctx.exportParams());
  const layer = EncryptedLinearLayer.create(server, w, b);
  try {
    const ct = encryptLinearInput(ctx, keys.publicKey, x, plan);
    const request = serializeCiphertext(ctx, ct);
    ct.delete();
    const response = evaluateLinearBytes(server, layer, request, ctx.exportKeys(keys).galoisKeys!);
    const y = deserializeCiphertext(ctx, response);
    const got = decryptLinearOutput(ctx, keys.secretKey, y, plan);
    y.delete();
    const expect = w.map((row, r) => row.reduce((a, v, i) => a + v * x[i]!, b[r]!));
    assert.ok(maxErr(got, expect) <= 1e-4);
    assert.throws(() => evaluateLinearBytes(server, layer, request.slice(0, 100), ctx.exportKeys(keys).galoisKeys!), (e: Error & { code?: string }) => e.code === "he_format");
  } finally {
    layer.dispose();
    server.dispose();
    disposeKeys(keys);
  }
});
