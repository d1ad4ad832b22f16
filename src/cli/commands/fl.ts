// `llmos fl serve | join | provision | simulate`: the federated-learning coordinator, a site, the
// startup kits (CA and per-site credentials) for mutual TLS between them, and simulation mode.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { LlamaModel, initBackend, resolvePreset } from "../../engine/model/index.ts";
import { BpeTokenizer, trainBpe } from "../../engine/tokenizer/index.ts";
import { InvalidArgumentError } from "../../errors/index.ts";
import {
  Coordinator, flattenWeights, getStrategy, joinFederation, loadFederation, localSchema, modelLayout, nextTokenAccuracy, prepareLocalData,
  provisionFederation, roundAuditEvent, simulateFederation, splitByRole,
} from "../../learning/fl/index.ts";
import { SecurityKernel, dbPathOf, localOperator } from "../../security/index.ts";
import { DATA_DIR_FLAG, dataDirFrom, intFlag, numberFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

/** The site's per-round check: its dataset's contract must allow purpose "federated" (recorded on its ledger). */
export function federatedUseCheck(kernel: SecurityKernel, dataset: string): () => void {
  const principal = localOperator();
  return () => {
    kernel.contracts.enforce({ kind: "dataset", tenant: principal.tenant, id: dataset }, { purpose: "federated", principal, piiPolicy: "none" });
  };
}

export const flServeCommand: Command = {
  path: ["fl", "serve"],
  summary: "Run a federated-learning coordinator (HTTPS with mutual TLS)",
  usage: "llmos fl serve --config federation.yaml [--data-dir DIR] [--json]\n  Each round goes on the audit ledger of DIR (default ~/.llmos) when its llmos.db exists.",
  async run(argv, ctx) {
    const { values } = parseFlags(argv, { config: { type: "string" }, json: { type: "boolean" }, ...DATA_DIR_FLAG }, false);
    if (!values.config) throw new InvalidArgumentError("--config", "give the federation's YAML file");
    const config = await loadFederation(values.config);
    const coord = await Coordinator.create(config, (line) => ctx.stderr.write(`${line}\n`));
    const dataDir = dataDirFrom(values["data-dir"]);
    const kernel = existsSync(dbPathOf(dataDir)) ? SecurityKernel.open({ dataDir }) : undefined;
    if (kernel) coord.onRound = (r) => kernel.ledger.append(roundAuditEvent(config.name, r));
    else ctx.stderr.write(`no audit ledger at ${dataDir}; rounds are recorded in ${config.out}/summary.json only\n`);
    const url = await coord.listen();
    ctx.stdout.write(`listening on ${url}\n`);
    try {
      const summary = await coord.run();
      if (values.json) ctx.stdout.write(`${JSON.stringify(summary)}\n`);
      else ctx.stdout.write(`finished ${summary.rounds.length} rounds; model ${summary.model}\n`);
      return summary.rounds.every((r) => r.aborted) ? 1 : 0;
    } finally {
      await coord.close();
      kernel?.close();
    }
  },
};

export const flJoinCommand: Command = {
  path: ["fl", "join"],
  summary: "Join a federation as a site: train locally, send only (masked) updates",
  usage: "llmos fl join --coordinator https://host:port --data ./local.txt --credentials site.json [--dataset ID [--data-dir DIR]]\n" +
    "  With --dataset, every round first passes the dataset's data-use contract (purpose 'federated') in DIR's security kernel.",
  async run(argv, ctx) {
    const { values } = parseFlags(argv, { coordinator: { type: "string" }, data: { type: "string" }, credentials: { type: "string" }, dataset: { type: "string" }, ...DATA_DIR_FLAG }, false);
    for (const f of ["coordinator", "data", "credentials"] as const) if (!values[f]) throw new InvalidArgumentError(`--${f}`, "is required");
    if (!/^https:\/\//.test(values.coordinator!)) throw new InvalidArgumentError("--coordinator", "must be an https:// URL");
    const kernel = values.dataset ? SecurityKernel.open({ dataDir: dataDirFrom(values["data-dir"]) }) : undefined;
    try {
      const r = await joinFederation({
        coordinator: values.coordinator!, data: values.data!, credentials: values.credentials!, log: (line) => ctx.stderr.write(`${line}\n`),
        ...(kernel ? { beforeRound: federatedUseCheck(kernel, values.dataset!) } : {}),
      });
      ctx.stdout.write(`federation finished after ${r.rounds} rounds\n`);
      return 0;
    } finally {
      kernel?.close();
    }
  },
};

export const flProvisionCommand: Command = {
  path: ["fl", "provision"],
  summary: "Create a federation CA and credentials for the coordinator and each site",
  usage: "llmos fl provision --out DIR --sites a,b,c [--hosts 127.0.0.1,localhost] [--name federation]",
  async run(argv, ctx) {
    const { values } = parseFlags(argv, { out: { type: "string" }, sites: { type: "string" }, hosts: { type: "string" }, name: { type: "string" } }, false);
    if (!values.out) throw new InvalidArgumentError("--out", "give a folder for the credentials");
    if (!values.sites) throw new InvalidArgumentError("--sites", "name the sites, comma-separated");
    const split = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
    const r = await provisionFederation({ out: values.out, sites: split(values.sites), hosts: split(values.hosts ?? "127.0.0.1,localhost"), ...(values.name ? { federation: values.name } : {}) });
    ctx.stdout.write(`CA: ${r.ca} (keep private)\ncoordinator: ${r.coordinator}\n${Object.entries(r.sites).map(([s, p]) => `site ${s}: ${p}`).join("\n")}\n`);
    return 0;
  },
};

export const flSimulateCommand: Command = {
  path: ["fl", "simulate"],
  summary: "Simulate a federation in one process: virtual sites from one corpus (split by speaking role or evenly)",
  usage: "llmos fl simulate --data corpus.txt [--split roles|even] [--sites 10] [--rounds 5] [--fraction 0.5] [--strategy fedavg]\n" +
    "  [--secagg off|full|plus] [--tokenizer tok.json] [--preset tiny] [--steps 10] [--lr 0.01] [--json]",
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      data: { type: "string" }, split: { type: "string" }, sites: { type: "string" }, rounds: { type: "string" }, fraction: { type: "string" },
      strategy: { type: "string" }, secagg: { type: "string" }, tokenizer: { type: "string" }, preset: { type: "string" },
      steps: { type: "string" }, lr: { type: "string" }, json: { type: "boolean" },
    }, false);
    if (!values.data) throw new InvalidArgumentError("--data", "give a text corpus");
    const split = values.split ?? "roles";
    if (split !== "roles" && split !== "even") throw new InvalidArgumentError("--split", "must be 'roles' or 'even'");
    const secagg = values.secagg ?? "off";
    if (!["off", "full", "plus"].includes(secagg)) throw new InvalidArgumentError("--secagg", "must be off, full or plus");
    const strategy = getStrategy(values.strategy ?? "fedavg").name;
    const n = intFlag("sites", values.sites, 2) ?? 10;
    const fraction = numberFlag("fraction", values.fraction) ?? 0.5;
    if (!(fraction > 0 && fraction <= 1)) throw new InvalidArgumentError("--fraction", "must be in (0, 1]");
    const text = await readFile(values.data, "utf8");
    await initBackend();
    const tok = values.tokenizer ? await BpeTokenizer.load(values.tokenizer) : trainBpe([text.slice(0, 100_000)], { vocabSize: 512 });
    const parts = split === "roles"
      ? [...splitByRole(text)].slice(0, n)
      : Array.from({ length: n }, (_, i) => [`part-${i + 1}`, text.slice(Math.floor((i * text.length) / n), Math.floor(((i + 1) * text.length) / n))] as [string, string]);
    const local = localSchema.parse({ seqLen: 32, maxSteps: intFlag("steps", values.steps, 1) ?? 10, lr: numberFlag("lr", values.lr) ?? 0.01 });
    const sites = parts.map(([name, t]) => ({ name: name.replace(/[^A-Za-z0-9._-]/g, "_"), data: prepareLocalData(t, tok, local.seqLen) }));
    const val = sites.flatMap((s) => s.data.val.slice(0, 4));
    const config = { ...resolvePreset(values.preset ?? "tiny"), vocabSize: tok.vocabSize };
    const m = LlamaModel.create(config, { seed: 1 });
    const initial = flattenWeights(m.weights(), modelLayout(config).map(([x]) => x));
    m.dispose();
    const rows: { round: number; accuracy: number }[] = [];
    await simulateFederation({
      config, initial, sites, rounds: intFlag("rounds", values.rounds, 1) ?? 5, fraction, minSites: 2, strategy, local,
      ...(secagg !== "off" ? { secagg: { mode: secagg as "full" | "plus", clip: 10, fracBits: 16, examplesCap: 1000 } } : {}),
      onRound: async (round, g) => {
        const accuracy = await nextTokenAccuracy(config, g, val);
        rows.push({ round, accuracy });
        if (!values.json) ctx.stderr.write(`round ${round}: next-token accuracy ${accuracy.toFixed(4)}\n`);
      },
    });
    if (values.json) ctx.stdout.write(`${JSON.stringify({ strategy, secagg, sites: sites.map((s) => s.name), rounds: rows })}\n`);
    else ctx.stdout.write(`${strategy} over ${sites.length} virtual sites: accuracy ${rows.map((r) => r.accuracy.toFixed(4)).join(" → ")}\n`);
    return 0;
  },
};

export const flCommands: Command[] = [flServeCommand, flJoinCommand, flProvisionCommand, flSimulateCommand];
