// `llmos he keygen|encrypt|aggregate|decrypt`: CKKS keys and encrypted vectors as files in the
// LLMOSHE1 format, e.g. encrypted aggregation of federated model updates by a server with no key.
import { readFileSync } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { CorruptFileError, InvalidArgumentError } from "../../errors/index.ts";
import { aggregateEncrypted, CkksContext, decryptAggregate, disposeKeys, encryptUpdate } from "../../privacy/he/index.ts";
import { writeFileAtomic } from "../../store/index.ts";
import { intFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

function required(name: string, v: string | undefined): string {
  if (v === undefined || v === "") throw new InvalidArgumentError(`--${name}`, "is required");
  return v;
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new CorruptFileError(path, "cannot be read", { cause });
  }
}

function readVector(path: string): number[] {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new CorruptFileError(path, "is not a readable JSON file", { cause });
  }
  if (!Array.isArray(v) || v.some((x) => typeof x !== "number" || !Number.isFinite(x))) throw new CorruptFileError(path, "must hold a JSON array of finite numbers");
  return v as number[];
}

export const heKeygenCommand: Command = {
  path: ["he", "keygen"],
  summary: "Create CKKS parameters and a key pair (params.he, public.he, secret.he)",
  usage: "llmos he keygen --out DIR [--poly-degree 8192] [--scale-bits 40]",
  async run(argv, ctx) {
    const { values } = parseFlags(argv, { out: { type: "string" }, "poly-degree": { type: "string" }, "scale-bits": { type: "string" } }, false);
    const dir = required("out", values.out);
    const he = await CkksContext.create({ polyModulusDegree: intFlag("poly-degree", values["poly-degree"], 1), scaleBits: intFlag("scale-bits", values["scale-bits"], 1) });
    const keys = he.generateKeys();
    try {
      const bytes = he.exportKeys(keys, { includeSecret: true });
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, "params.he"), he.exportParams());
      await writeFileAtomic(join(dir, "public.he"), bytes.publicKey);
      await writeFileAtomic(join(dir, "secret.he"), bytes.secretKey!);
      await chmod(join(dir, "secret.he"), 0o600); // the secret key decrypts every ciphertext
      ctx.stdout.write(`${JSON.stringify({ slots: he.slots, scaleBits: he.scaleBits, files: ["params.he", "public.he", "secret.he"].map((f) => join(dir, f)) })}\n`);
    } finally {
      disposeKeys(keys);
      he.dispose();
    }
    return 0;
  },
};

export const heEncryptCommand: Command = {
  path: ["he", "encrypt"],
  summary: "Encrypt a JSON vector of numbers under a CKKS public key",
  usage: "llmos he encrypt --params params.he --public-key public.he --in vector.json --out vector.he",
  async run(argv, ctx) {
    const { values } = parseFlags(argv, { params: { type: "string" }, "public-key": { type: "string" }, in: { type: "string" }, out: { type: "string" } }, false);
    const he = await CkksContext.fromParams(readBytes(required("params", values.params)));
    const pk = he.loadPublicKey(readBytes(required("public-key", values["public-key"])));
    try {
      const v = readVector(required("in", values.in));
      await writeFileAtomic(required("out", values.out), encryptUpdate(he, pk, v));
      ctx.stdout.write(`${JSON.stringify({ entries: v.length, ciphertexts: Math.ceil(v.length / he.slots) })}\n`);
    } finally {
      pk.delete();
      he.dispose();
    }
    return 0;
  },
};

export const heAggregateCommand: Command = {
  path: ["he", "aggregate"],
  summary: "Add encrypted vectors without any key (encrypted aggregation of model updates)",
  usage: "llmos he aggregate --params params.he --out sum.he update1.he update2.he ...",
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, { params: { type: "string" }, out: { type: "string" } });
    if (positionals.length === 0) throw new InvalidArgumentError("updates", "give at least one encrypted vector file");
    const he = await CkksContext.fromParams(readBytes(required("params", values.params)));
    try {
      await writeFileAtomic(required("out", values.out), aggregateEncrypted(he, positionals.map(readBytes)));
      ctx.stdout.write(`${JSON.stringify({ updates: positionals.length })}\n`);
    } finally {
      he.dispose();
    }
    return 0;
  },
};

export const heDecryptCommand: Command = {
  path: ["he", "decrypt"],
  summary: "Decrypt an encrypted vector (optionally divided by --average N) to JSON",
  usage: "llmos he decrypt --params params.he --secret-key secret.he --in vector.he [--average N] [--out vector.json]",
  async run(argv, ctx) {
    const { values } = parseFlags(argv, { params: { type: "string" }, "secret-key": { type: "string" }, in: { type: "string" }, average: { type: "string" }, out: { type: "string" } }, false);
    const he = await CkksContext.fromParams(readBytes(required("params", values.params)));
    const sk = he.loadSecretKey(readBytes(required("secret-key", values["secret-key"])));
    try {
      const v = decryptAggregate(he, sk, readBytes(required("in", values.in)), intFlag("average", values.average, 1));
      const text = `${JSON.stringify(Array.from(v))}\n`;
      if (values.out) await writeFileAtomic(values.out, text);
      else ctx.stdout.write(text);
    } finally {
      sk.delete();
      he.dispose();
    }
    return 0;
  },
};

export const heCommands = [heKeygenCommand, heEncryptCommand, heAggregateCommand, heDecryptCommand];
