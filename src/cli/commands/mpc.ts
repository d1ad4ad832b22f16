// `llmos mpc party|dealer|credentials`: run one party of a secure multi-party computation job, the
// preprocessing dealer, or create the mutual-TLS credentials for a set of parties.
import { appendFileSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { CorruptFileError, InvalidArgumentError } from "../../errors/index.ts";
import { createMpcCredentials, loadCredentials, mpcLedgerEvent, parseEndpoint, parseJob, runJob, runLocal, runParty, startDealer } from "../../privacy/mpc/index.ts";
import { SecurityKernel } from "../../security/index.ts";
import { writeFileAtomic } from "../../store/index.ts";
import { DATA_DIR_FLAG, dataDirFrom, intFlag, parseFlags } from "../args.ts";
import type { Command } from "../command.ts";

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new CorruptFileError(path, `is not a readable JSON ${what} file`, { cause });
  }
}

function required(name: string, v: string | undefined): string {
  if (v === undefined || v === "") throw new InvalidArgumentError(`--${name}`, "is required");
  return v;
}

export const mpcPartyCommand: Command = {
  path: ["mpc", "party"],
  summary: "Run one party of a secure multi-party computation job (mutual TLS to peers and dealer)",
  usage: [
    "llmos mpc party --id N --peers host:port,host:port,... --dealer host:port --credentials party-N.json --job job.json [--input input.json] [--out result.json]",
    "                [--data-dir D [--tenant T]] [--audit audit.jsonl] [--timeout-ms 30000] [--job-timeout-ms 600000]",
    "  --data-dir: record the job (its hash, the parties, who learned the output) on that LLMasOS's audit ledger.",
  ].join("\n"),
  async run(argv, ctx) {
    const { values } = parseFlags(argv, {
      id: { type: "string" }, peers: { type: "string" }, dealer: { type: "string" }, credentials: { type: "string" },
      job: { type: "string" }, input: { type: "string" }, out: { type: "string" }, audit: { type: "string" }, "timeout-ms": { type: "string" }, "job-timeout-ms": { type: "string" },
      ...DATA_DIR_FLAG, tenant: { type: "string", default: "default" },
    }, false);
    const id = intFlag("id", required("id", values.id))!;
    const peers = required("peers", values.peers).split(",").map((p) => parseEndpoint(p, "--peers"));
    const job = parseJob(readJson(required("job", values.job), "job"));
    const input = values.input === undefined ? undefined : readJson(values.input, "input");
    const auditPath = values.audit;
    // This party's own LLMasOS ledger, when it names one: each organisation keeps its own record.
    const kernel = values["data-dir"] !== undefined ? SecurityKernel.open({ dataDir: dataDirFrom(values["data-dir"]) }) : undefined;
    const record = (e: Parameters<NonNullable<Parameters<typeof runParty>[0]["record"]>>[0]) => {
      if (auditPath) appendFileSync(auditPath, `${JSON.stringify(e)}\n`);
      kernel?.ledger.append(mpcLedgerEvent(e, { who: `mpc-party:${id}`, tenant: values.tenant }));
    };
    const outcome = await runParty({
      id, peers, job, input,
      dealer: parseEndpoint(required("dealer", values.dealer), "--dealer"),
      credentials: loadCredentials(required("credentials", values.credentials)),
      timeoutMs: intFlag("timeout-ms", values["timeout-ms"], 1),
      jobTimeoutMs: intFlag("job-timeout-ms", values["job-timeout-ms"], 1),
      record: auditPath || kernel ? record : undefined,
    }).finally(() => kernel?.close());
    const text = `${JSON.stringify({ party: id, output: outcome.output, audit: outcome.audit })}\n`;
    if (values.out) await writeFileAtomic(values.out, text);
    else ctx.stdout.write(text);
    return 0;
  },
};

export const mpcDealerCommand: Command = {
  path: ["mpc", "dealer"],
  summary: "Serve Beaver triples and masks to MPC parties (trusted dealer, mutual TLS) until stopped",
  usage: "llmos mpc dealer --listen host:port --credentials dealer.json",
  async run(argv, ctx) {
    const { values } = parseFlags(argv, { listen: { type: "string" }, credentials: { type: "string" } }, false);
    const ep = parseEndpoint(required("listen", values.listen), "--listen");
    const dealer = await startDealer({ host: ep.host, port: ep.port, credentials: loadCredentials(required("credentials", values.credentials)), log: (l) => ctx.stderr.write(`${l}\n`) });
    const addr = dealer.address();
    ctx.stdout.write(`${JSON.stringify({ listening: `${addr.address}:${addr.port}` })}\n`);
    await new Promise<void>((resolve) => {
      process.once("SIGTERM", resolve);
      process.once("SIGINT", resolve);
    });
    await dealer.close();
    return 0;
  },
};

export const mpcCredentialsCommand: Command = {
  path: ["mpc", "credentials"],
  summary: "Create a CA and mutual-TLS credentials for N MPC parties and a dealer",
  usage: "llmos mpc credentials --out DIR --parties N [--ip 127.0.0.1] [--dns localhost]",
  async run(argv, ctx) {
    const { values } = parseFlags(argv, { out: { type: "string" }, parties: { type: "string" }, ip: { type: "string", multiple: true }, dns: { type: "string", multiple: true } }, false);
    const dir = required("out", values.out);
    const parties = intFlag("parties", required("parties", values.parties), 2)!;
    if (parties > 16) throw new InvalidArgumentError("--parties", "at most 16");
    await mkdir(dir, { recursive: true });
    const files = await createMpcCredentials(dir, parties, { ips: values.ip ?? ["127.0.0.1"], dns: values.dns ?? ["localhost"] });
    ctx.stdout.write(`${files.join("\n")}\n`);
    return 0;
  },
};

export const mpcSimulateCommand: Command = {
  path: ["mpc", "simulate"],
  summary: "Run every party of an MPC job in this process (checks a job and its inputs; no privacy between parties)",
  usage: "llmos mpc simulate --job job.json [--input 0=input0.json] [--input 1=input1.json] ...",
  async run(argv, ctx) {
    const { values } = parseFlags(argv, { job: { type: "string" }, input: { type: "string", multiple: true } }, false);
    const job = parseJob(readJson(required("job", values.job), "job"));
    const inputs = new Map<number, unknown>();
    for (const spec of values.input ?? []) {
      const m = /^(\d+)=(.+)$/.exec(spec);
      if (!m) throw new InvalidArgumentError("--input", `must be PARTY=FILE, got '${spec}'`);
      inputs.set(Number(m[1]), readJson(m[2]!, "input"));
    }
    for (const p of job.inputs) if (!inputs.has(p)) throw new InvalidArgumentError("--input", `party ${p} provides an input to this job`);
    const outcomes = await runLocal(job.parties, (s) => runJob(s, job, inputs.get(s.id)));
    ctx.stdout.write(`${JSON.stringify({ outputs: outcomes.map((o, party) => ({ party, output: o.output })) })}\n`);
    return 0;
  },
};

export const mpcCommands = [mpcPartyCommand, mpcDealerCommand, mpcCredentialsCommand, mpcSimulateCommand];
