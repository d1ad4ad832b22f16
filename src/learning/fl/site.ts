// A federation site: joins the coordinator with its certificate, long-polls for work, trains the
// native engine on its own text and answers each secure-aggregation stage. Only masked updates (or, with
// secure aggregation off, plain updates) and loss metrics leave the site; its text never does.
import { readFile } from "node:fs/promises";
import { resolvePreset, type LlamaConfig } from "../../engine/model/index.ts";
import { BpeTokenizer } from "../../engine/tokenizer/index.ts";
import { LlmosError, NotFoundError } from "../../errors/index.ts";
import { SecAggClient, type ClientMessage } from "../secagg/index.ts";
import { loadCredential } from "./credentials.ts";
import { prepareLocalData, trainLocally, type LocalData, type LocalResult } from "./local-train.ts";
import { encodeSecureUpdate } from "./secure-update.ts";
import { TlsClient } from "./transport.ts";
import { WIRE_VERSION, b64ToF32, f32ToB64, taskSchema, welcomeSchema, type RoundTask, type SiteMetrics } from "./wire.ts";

export interface JoinOptions {
  coordinator: string;
  data: string;
  credentials: string;
  log: (line: string) => void;
  /** Give up after the coordinator is unreachable this long. */
  retryMs?: number;
  /**
   * Runs before the site takes part in a round, e.g. the data-use contract check of its dataset
   * (purpose "federated"); if it throws, the site sits the round out and the coordinator drops it.
   */
  beforeRound?: (round: number) => void;
}

export async function joinFederation(o: JoinOptions): Promise<{ rounds: number }> {
  const cred = await loadCredential(o.credentials, "site");
  const site = cred.name;
  let text: string;
  try {
    text = await readFile(o.data, "utf8");
  } catch (cause) {
    throw new NotFoundError("data file", o.data, "check --data", { cause });
  }
  const client = new TlsClient(o.coordinator, cred);
  try {
    // The coordinator may still be starting: retry the join on network errors (not on refusals).
    let joined: unknown;
    for (const started = Date.now(); ; ) {
      try {
        joined = await client.post("/fl/v1/join", { v: WIRE_VERSION, type: "join", site });
        break;
      } catch (e) {
        if (e instanceof LlmosError || Date.now() - started > (o.retryMs ?? 30_000)) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const welcome = welcomeSchema.parse(joined);
    const tokenizer = BpeTokenizer.fromJSON(welcome.tokenizer);
    const config: LlamaConfig = { ...resolvePreset(welcome.model.preset), vocabSize: welcome.model.vocabSize };
    o.log(`${site}: joined federation ${welcome.federation}`);
    const packed = new Map<number, LocalData>();
    let task: RoundTask | undefined;
    let sa: SecAggClient | undefined;
    let trained: LocalResult | undefined;
    let failingSince = 0;
    const submit = async (body: Record<string, unknown>) => {
      try {
        await client.post("/fl/v1/submit", { v: WIRE_VERSION, site, ...body });
      } catch (e) {
        // A stale or refused message is the coordinator's decision for this round, not fatal here.
        if (e instanceof LlmosError && e.status >= 400 && e.status < 500) o.log(`${site}: coordinator refused a message: ${e.message}`);
        else throw e;
      }
    };
    const train = async (t: RoundTask) => {
      let data = packed.get(t.local.seqLen);
      if (!data) packed.set(t.local.seqLen, (data = prepareLocalData(text, tokenizer, t.local.seqLen)));
      o.log(`${site}: round ${t.round}: training`);
      const r = await trainLocally(config, b64ToF32(t.weights), data, t.local, t.clientUpdate, t.round);
      o.log(`${site}: round ${t.round}: trained ${r.steps} steps, held-out loss ${r.lossBefore.toFixed(4)} → ${r.lossAfter.toFixed(4)}`);
      return r;
    };
    const metrics = (r: LocalResult): SiteMetrics =>
      task?.reportMetrics === false ? { examples: 0, steps: r.steps } : { examples: r.examples, lossBefore: r.lossBefore, lossAfter: r.lossAfter, steps: r.steps };
    const up = (msg: ClientMessage, m?: SiteMetrics) => submit({ type: "secagg", roundId: task!.roundId, msg, ...(m ? { metrics: m } : {}) });
    for (;;) {
      let raw: unknown;
      try {
        raw = await client.post("/fl/v1/poll", { v: WIRE_VERSION, type: "poll", site });
        failingSince = 0;
      } catch (e) {
        if (e instanceof LlmosError && e.status < 500) throw e;
        failingSince ||= Date.now();
        if (Date.now() - failingSince > (o.retryMs ?? 30_000)) throw new LlmosError("coordinator_unreachable", 503, "the coordinator has been unreachable; giving up", { cause: e });
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      const parsed = taskSchema.safeParse(raw);
      if (!parsed.success) {
        o.log(`${site}: ignored a malformed task (${parsed.error.issues[0]!.message})`);
        continue;
      }
      const t = parsed.data;
      if (t.type === "idle") continue;
      if (t.type === "finish") {
        o.log(`${site}: federation finished after ${t.rounds} rounds`);
        return { rounds: t.rounds };
      }
      if (t.type === "round") {
        task = undefined;
        sa = undefined;
        trained = undefined;
        try {
          o.beforeRound?.(t.round);
        } catch (e) {
          if (!(e instanceof LlmosError)) throw e;
          o.log(`${site}: round ${t.round}: not taking part: ${e.message}`);
          continue;
        }
        task = t;
        if (!t.secagg) {
          const r = await train(t);
          await submit({ type: "update", roundId: t.roundId, delta: f32ToB64(r.delta), metrics: metrics(r) });
          continue;
        }
        sa = new SecAggClient(site, t.secagg.params);
        await up(sa.advertise());
        continue;
      }
      // A secure-aggregation stage message.
      if (!task || !sa || !task.secagg || t.roundId !== task.roundId) {
        o.log(`${site}: ignored a stale secure-aggregation message`);
        continue;
      }
      const m = t.msg;
      try {
        if (m.type === "secagg/keys") {
          await up(sa.shareKeys(m));
          trained = await train(task);
        } else if (m.type === "secagg/ciphertexts") {
          trained ??= await train(task);
          const s = task.secagg;
          const input = encodeSecureUpdate(trained.delta, trained.examples, { bound: s.bound, fracBits: s.fracBits, clip: s.clip, examplesCap: s.examplesCap, uniformWeights: s.uniformWeights, noiseStd: s.noiseStd });
          await up(sa.maskInput(m, input), metrics(trained));
        } else {
          await up(sa.unmask(m));
        }
      } catch (e) {
        if (e instanceof LlmosError && e.code.startsWith("secagg_")) o.log(`${site}: round ${task.round}: ${e.message}`);
        else throw e;
      }
    }
  } finally {
    client.close();
  }
}
