import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError, NotFoundError } from "../errors/index.ts";
import { BlobStore, openDatabase } from "../store/index.ts";
import { ModelRegistry, parseModelRef } from "./index.ts";

const GGUF = fileURLToPath(new URL("../../models/default/model.gguf", import.meta.url));

function registry() {
  const dir = mkdtempSync(join(tmpdir(), "llmos-reg-"));
  return { dir, reg: new ModelRegistry(openDatabase(join(dir, "llmos.db")), new BlobStore(join(dir, "blobs"))) };
}

test("versions, content addressing, facts and lineage", async () => {
  const { dir, reg } = registry();
  const v1 = await reg.addGguf("acme", "support-bot", GGUF, { lineage: { parent: "default:1", privacy: { epsilon: 8, delta: 1e-5 } } });
  const v2 = await reg.addGguf("acme", "support-bot", GGUF);
  assert.equal(v1.version, 1);
  assert.equal(v2.version, 2);
  assert.equal(v1.sha256, v2.sha256);
  assert.equal(readdirSync(join(dir, "blobs", v1.sha256!.slice(0, 2))).length, 1);
  assert.equal(v1.architecture, "llama");
  assert.equal(v1.contextLength, 256);
  assert.equal(v1.quantization, "F16");
  assert.equal(v1.parameters, 1311872);
  assert.deepEqual(v1.lineage.privacy, { epsilon: 8, delta: 1e-5 });
  await reg.blobs.verify(v1.sha256!);
});

test("aliases move atomically and references resolve by name, version and alias", async () => {
  const { reg } = registry();
  for (let i = 0; i < 3; i++) await reg.addGguf("acme", "bot", GGUF);
  reg.setAlias("acme", "bot", "prod", 2);
  assert.equal(reg.resolve("acme", "bot").version, 3);
  assert.equal(reg.resolve("acme", "bot:1").version, 1);
  assert.equal(reg.resolve("acme", "bot@prod").version, 2);
  reg.setAlias("acme", "bot", "prod", 3);
  assert.equal(reg.resolve("acme", "bot@prod").version, 3);
  assert.deepEqual(reg.resolve("acme", "bot:3").aliases, ["prod"]);
  await assert.rejects(reg.remove("acme", "bot", 3), /target of bot@prod/);
  await reg.remove("acme", "bot", 2);
  assert.throws(() => reg.resolve("acme", "bot:2"), NotFoundError);
  assert.throws(() => reg.resolve("acme", "bot@staging"), NotFoundError);
  assert.throws(() => reg.setAlias("acme", "bot", "x", 9), NotFoundError);
});

test("another tenant's model is invisible; shared system models are visible to all", async () => {
  const { reg } = registry();
  await reg.addGguf("acme", "secret-bot", GGUF);
  await reg.addGguf("system", "default", GGUF, { shared: true });
  assert.throws(() => reg.resolve("globex", "secret-bot"), (e: unknown) => e instanceof NotFoundError && e.status === 404);
  assert.deepEqual(reg.list("globex").map((m) => m.name), ["default"]);
  assert.equal(reg.resolve("globex", "default").tenant, "system");
  assert.deepEqual(reg.list("acme").map((m) => m.name).sort(), ["default", "secret-bot"]);
});

test("bad names, references and files get clear errors", async () => {
  const { reg } = registry();
  for (const bad of ["", "../etc", "UPPER", "a b", "x".repeat(65)]) {
    await assert.rejects(reg.addGguf("acme", bad, GGUF), InvalidArgumentError);
  }
  assert.throws(() => parseModelRef("bot:0"), /version number/);
  assert.throws(() => parseModelRef("bot:x"), /version number/);
  await assert.rejects(reg.addGguf("acme", "bot", fileURLToPath(import.meta.url)), /GGUF|magic|not a/i);
  assert.throws(() => reg.addRemote("acme", "up", { baseUrl: "ftp://x", model: "m" }), /http/);
  assert.throws(() => reg.addRemote("acme", "up", { baseUrl: "http://u:p@host", model: "m" }), /credentials/);
  const r = reg.addRemote("acme", "up", { baseUrl: "http://127.0.0.1:9/v1/", model: "default", apiKeyEnv: "UP_KEY" });
  assert.equal(JSON.parse(r.source!).baseUrl, "http://127.0.0.1:9/v1");
});

test("a model card beside the GGUF becomes lineage (privacy guarantee, data hash, base)", async () => {
  const { dir, reg } = registry();
  const { copyFileSync, mkdirSync, writeFileSync } = await import("node:fs");
  mkdirSync(join(dir, "export"));
  const file = join(dir, "export", "private.gguf");
  copyFileSync(GGUF, file);
  writeFileSync(join(dir, "export", "model-card.json"), JSON.stringify({
    format: "llmos-model-card/1", base: "default:1",
    privacy: { epsilon: 7.9, delta: 1e-5, accountant: "rdp", noise_multiplier: 1.1, sampling_rate: 0.01, steps: 1000, clip: 1 },
    dataset: { sha256: "ab".repeat(32), files: ["notes.txt"] },
  }));
  const v = await reg.addGguf("clinic", "notes-bot", file);
  assert.equal(v.lineage.parent, "default:1");
  assert.equal(v.lineage.trainingData?.sha256, "ab".repeat(32));
  assert.deepEqual([v.lineage.privacy?.epsilon, v.lineage.privacy?.delta, v.lineage.privacy?.accountant], [7.9, 1e-5, "rdp"]);
  writeFileSync(join(dir, "export", "model-card.json"), "{broken");
  await assert.rejects(reg.addGguf("clinic", "notes-bot", file), /model-card\.json: is not valid JSON/);
});
