// One party process of one job: connects to its peers and the dealer over mutual TLS, runs the job,
// returns this party's outcome (output only if named in job.outputTo) and emits the audit record.
import { InvalidArgumentError } from "../../errors/index.ts";
import { ProtocolAbortError } from "./errors.ts";
import { DEFAULT_FIXED } from "./fixed.ts";
import { jobHash, type Job, type MpcAuditEvent } from "./job.ts";
import { nameOf, partyName, type MpcCredentials } from "./net/credentials.ts";
import { connectDealer } from "./net/dealer-client.ts";
import { TlsTransport, type Endpoint } from "./net/tls-transport.ts";
import { runJob, type JobOutcome } from "./protocols/run.ts";
import { Session } from "./session.ts";

export interface PartyOptions {
  id: number;
  peers: Endpoint[];
  dealer: Endpoint;
  credentials: MpcCredentials;
  job: Job;
  /** This party's private input (ignored when the job names no input from it). */
  input: unknown;
  record?: (event: MpcAuditEvent) => void;
  /** Deadline for connecting to the dealer and the peers (default 30 s). */
  timeoutMs?: number;
  /** Deadline for the whole job once connected (default 10 min): a silent peer cannot hang a party. */
  jobTimeoutMs?: number;
}

export async function runParty(opts: PartyOptions): Promise<JobOutcome> {
  const { id, job } = opts;
  if (opts.peers.length !== job.parties) throw new InvalidArgumentError("--peers", `lists ${opts.peers.length} parties, the job has ${job.parties}`);
  if (!Number.isInteger(id) || id < 0 || id >= job.parties) throw new InvalidArgumentError("--id", `must be in [0, ${job.parties - 1}]`);
  if (nameOf(opts.credentials) !== partyName(id)) throw new InvalidArgumentError("--credentials", `certificate is not issued to ${partyName(id)}`);
  if (job.inputs.includes(id) && opts.input === undefined) throw new InvalidArgumentError("--input", `party ${id} provides an input to this job`);
  const hash = jobHash(job);
  const started = new Date();
  // A job that never starts (dealer or peers unreachable, job hash mismatch) is recorded as aborted too.
  const recordAbort = (e: unknown) => opts.record?.({
    type: "mpc.job", jobId: job.id, jobHash: hash, protocol: job.protocol, party: id, parties: job.parties, inputsFrom: job.inputs,
    outputTo: job.outputTo, learnedOutput: false, status: "aborted", errorCode: (e as { code?: string }).code ?? "internal",
    startedAt: started.toISOString(), durationMs: Date.now() - started.getTime(),
  });
  let dealer: Awaited<ReturnType<typeof connectDealer>>;
  let net: TlsTransport | null = null;
  try {
    dealer = await connectDealer({ id, parties: job.parties, dealer: opts.dealer, credentials: opts.credentials, jobHash: hash, timeoutMs: opts.timeoutMs });
  } catch (e) {
    recordAbort(e);
    throw e;
  }
  try {
    try {
      net = await TlsTransport.connect({ id, peers: opts.peers, credentials: opts.credentials, jobHash: hash, timeoutMs: opts.timeoutMs });
    } catch (e) {
      recordAbort(e);
      throw e;
    }
    const session = new Session(net, dealer.preprocessing, DEFAULT_FIXED);
    const mesh = net;
    const timer = setTimeout(() => mesh.abort(new ProtocolAbortError("the job ran past its deadline")), opts.jobTimeoutMs ?? 600_000);
    try {
      const outcome = await runJob(session, job, opts.input, opts.record);
      // A last all-to-all round so no party closes its sockets while a peer still waits on its frames.
      await session.open([0n]);
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    if (e instanceof ProtocolAbortError || (e as { code?: string }).code) throw e;
    throw new ProtocolAbortError("unexpected failure", { cause: e });
  } finally {
    await net?.close();
    dealer.close();
  }
}
