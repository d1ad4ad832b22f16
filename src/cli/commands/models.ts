// `llmos models add|add-remote|list|show|alias|remove`: the model registry of a data directory.
import { join } from "node:path";
import { InvalidArgumentError } from "../../errors/index.ts";
import { ModelRegistry, parseModelRef, type Lineage, type ModelVersion } from "../../models/index.ts";
import { BlobStore, openDatabase } from "../../store/index.ts";
import { DATA_DIR_FLAG, dataDirFrom, intFlag, parseFlags } from "../args.ts";
import type { Command, CommandContext } from "../command.ts";

const common = {
  ...DATA_DIR_FLAG,
  tenant: { type: "string", default: "default" },
  json: { type: "boolean" },
} as const;

async function withRegistry<T>(dataDirFlag: string | undefined, fn: (r: ModelRegistry) => Promise<T> | T): Promise<T> {
  const dataDir = dataDirFrom(dataDirFlag);
  const db = openDatabase(join(dataDir, "llmos.db"));
  try {
    return await fn(new ModelRegistry(db, new BlobStore(join(dataDir, "blobs"))));
  } finally {
    db.close();
  }
}

function print(ctx: CommandContext, json: boolean | undefined, versions: ModelVersion[]): void {
  if (json) {
    ctx.stdout.write(`${JSON.stringify(versions.length === 1 ? versions[0] : versions, null, 2)}\n`);
    return;
  }
  for (const v of versions) {
    const what = v.format === "remote" ? `remote ${JSON.parse(v.source!).baseUrl}` : `${v.architecture ?? "?"} ${v.quantization ?? ""} ctx ${v.contextLength ?? "?"} ${v.bytes} B ${v.sha256?.slice(0, 12) ?? ""}`;
    const aliases = v.aliases.length ? ` [${v.aliases.map((a) => `@${a}`).join(" ")}]` : "";
    ctx.stdout.write(`${v.name}:${v.version}${aliases}  ${what}${v.shared ? "  (shared)" : ""}\n`);
  }
}

function lineageFrom(values: { parent?: string; "training-data"?: string; epsilon?: string; delta?: string }): Lineage {
  const l: Lineage = {};
  if (values.parent) l.parent = values.parent;
  if (values["training-data"]) l.trainingData = { description: values["training-data"] };
  if (values.epsilon !== undefined || values.delta !== undefined) {
    const epsilon = Number(values.epsilon), delta = Number(values.delta);
    if (!(epsilon > 0) || !(delta >= 0 && delta < 1)) throw new InvalidArgumentError("--epsilon/--delta", "give both, with ε > 0 and 0 ≤ δ < 1");
    l.privacy = { epsilon, delta };
  }
  return l;
}

export const modelsAddCommand: Command = {
  path: ["models", "add"],
  summary: "Copy a GGUF into the registry as the next version of a model",
  usage: "llmos models add <file.gguf> --name NAME [--parent name:version] [--training-data TEXT] [--epsilon E --delta D] [--tenant T] [--data-dir D] [--json]",
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, { ...common, name: { type: "string" }, parent: { type: "string" }, "training-data": { type: "string" }, epsilon: { type: "string" }, delta: { type: "string" } });
    if (positionals.length !== 1) throw new InvalidArgumentError("file", "give exactly one GGUF file");
    if (!values.name) throw new InvalidArgumentError("--name", "is required");
    const v = await withRegistry(values["data-dir"], (r) => r.addGguf(values.tenant, values.name!, positionals[0]!, { lineage: lineageFrom(values) }));
    print(ctx, values.json, [v]);
    return 0;
  },
};

export const modelsAddRemoteCommand: Command = {
  path: ["models", "add-remote"],
  summary: "Register a remote OpenAI-compatible model (vLLM, Ollama, another LLMasOS)",
  usage: "llmos models add-remote --name NAME --base-url https://host/v1 --upstream-model M [--api-key-env VAR] [--context-length N] [--tenant T] [--data-dir D]",
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, { ...common, name: { type: "string" }, "base-url": { type: "string" }, "upstream-model": { type: "string" }, "api-key-env": { type: "string" }, "context-length": { type: "string" } }, false);
    void positionals;
    if (!values.name || !values["base-url"] || !values["upstream-model"]) throw new InvalidArgumentError("arguments", "--name, --base-url and --upstream-model are required");
    const ctxLen = intFlag("context-length", values["context-length"], 1);
    const v = await withRegistry(values["data-dir"], (r) =>
      r.addRemote(values.tenant, values.name!, { baseUrl: values["base-url"]!, model: values["upstream-model"]!, ...(values["api-key-env"] ? { apiKeyEnv: values["api-key-env"] } : {}) }, ctxLen ? { contextLength: ctxLen } : {}));
    print(ctx, values.json, [v]);
    return 0;
  },
};

export const modelsListCommand: Command = {
  path: ["models", "list"],
  summary: "List the models and versions a tenant can use",
  usage: "llmos models list [--tenant T] [--data-dir D] [--json]",
  async run(argv, ctx) {
    const { values } = parseFlags(argv, common, false);
    print(ctx, values.json, await withRegistry(values["data-dir"], (r) => r.list(values.tenant)));
    return 0;
  },
};

export const modelsShowCommand: Command = {
  path: ["models", "show"],
  summary: "Show one model version (name, name:version or name@alias) with its lineage",
  usage: "llmos models show <ref> [--tenant T] [--data-dir D] [--json]",
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, common);
    if (positionals.length !== 1) throw new InvalidArgumentError("ref", "give one model reference");
    const v = await withRegistry(values["data-dir"], (r) => r.resolve(values.tenant, positionals[0]!));
    if (values.json) print(ctx, true, [v]);
    else {
      print(ctx, false, [v]);
      ctx.stdout.write(`lineage ${JSON.stringify(v.lineage)}\n`);
    }
    return 0;
  },
};

export const modelsAliasCommand: Command = {
  path: ["models", "alias"],
  summary: "Point name@alias at a version (atomically), or remove it with --remove",
  usage: "llmos models alias <name@alias> <version> | llmos models alias <name@alias> --remove [--tenant T] [--data-dir D]",
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, { ...common, remove: { type: "boolean" } });
    const ref = parseModelRef(positionals[0] ?? "", "alias");
    if (!ref.alias) throw new InvalidArgumentError("alias", "write it as name@alias");
    if (values.remove) {
      await withRegistry(values["data-dir"], (r) => r.removeAlias(values.tenant, ref.name, ref.alias!));
      ctx.stdout.write(`removed ${ref.name}@${ref.alias}\n`);
      return 0;
    }
    const version = intFlag("version", positionals[1], 1);
    if (version === undefined) throw new InvalidArgumentError("version", "give the version number the alias points to");
    const v = await withRegistry(values["data-dir"], (r) => r.setAlias(values.tenant, ref.name, ref.alias!, version));
    print(ctx, values.json, [v]);
    return 0;
  },
};

export const modelsRemoveCommand: Command = {
  path: ["models", "remove"],
  summary: "Remove one version (refused while an alias points at it)",
  usage: "llmos models remove <name:version> [--tenant T] [--data-dir D]",
  async run(argv, ctx) {
    const { values, positionals } = parseFlags(argv, common);
    const ref = parseModelRef(positionals[0] ?? "", "ref");
    if (!ref.version) throw new InvalidArgumentError("ref", "name the version to remove as name:version");
    await withRegistry(values["data-dir"], (r) => r.remove(values.tenant, ref.name, ref.version!));
    ctx.stdout.write(`removed ${ref.name}:${ref.version}\n`);
    return 0;
  },
};

export const modelsCommands = [modelsAddCommand, modelsAddRemoteCommand, modelsListCommand, modelsShowCommand, modelsAliasCommand, modelsRemoveCommand];
