// `llmos fl serve | join | provision`: the federated-learning coordinator, a site, and the startup
// kits (CA and per-site credentials) for mutual TLS between them.
import { existsSync } from "node:fs";
import { InvalidArgumentError } from "../../errors/index.ts";
import { Coordinator, joinFederation, loadFederation, provisionFederation, roundAuditEvent } from "../../learning/fl/index.ts";
import { DATA_DIR_FLAG, SecurityKernel, dataDirFrom, dbPathOf } from "../../security/index.ts";
import { parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

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
  usage: "llmos fl join --coordinator https://host:port --data ./local.txt --credentials site.json",
  async run(argv, ctx) {
    const { values } = parseFlags(argv, { coordinator: { type: "string" }, data: { type: "string" }, credentials: { type: "string" } }, false);
    for (const f of ["coordinator", "data", "credentials"] as const) if (!values[f]) throw new InvalidArgumentError(`--${f}`, "is required");
    if (!/^https:\/\//.test(values.coordinator!)) throw new InvalidArgumentError("--coordinator", "must be an https:// URL");
    const r = await joinFederation({ coordinator: values.coordinator!, data: values.data!, credentials: values.credentials!, log: (line) => ctx.stderr.write(`${line}\n`) });
    ctx.stdout.write(`federation finished after ${r.rounds} rounds\n`);
    return 0;
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

export const flCommands: Command[] = [flServeCommand, flJoinCommand, flProvisionCommand];
