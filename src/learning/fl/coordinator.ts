// The federation's coordinator: holds the global model, admits sites by certificate, samples sites
// each round, hands out the model and collects (securely aggregated) updates, applies the strategy
// and records every round. Message handling is here; one round's steps are in round.ts.
import { createHash, randomBytes, randomInt } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { LlamaModel, initBackend, resolvePreset, type LlamaConfig } from "../../engine/model/index.ts";
import { BpeTokenizer } from "../../engine/tokenizer/index.ts";
import { exportLlamaGguf } from "../../engine/gguf/index.ts";
import { LlmosError, NotFoundError } from "../../errors/index.ts";
import { writeFileAtomic } from "../../store/index.ts";
import type { FederationConfig } from "./config.ts";
import { loadCredential } from "./credentials.ts";
import { modelLayout } from "./local-train.ts";
import { FederationPrivacy } from "./dp.ts";
import { runRound, type OpenRound, type RoundRecord } from "./round.ts";
import type { ServerState } from "./strategy.ts";
import { startTlsServer, type TlsServer } from "./transport.ts";
import { flattenWeights, unflattenWeights } from "./vector.ts";
import { WIRE_VERSION, joinSchema, pollSchema, submitSchema, type Task } from "./wire.ts";

interface SiteState {
  queue: Task[];
  waiter?: (t: Task) => void;
  lastSeen: number;
  /** Set when its connection dropped; cleared when it calls again. */
  gone: boolean;
}

export interface FederationSummary {
  federation: string;
  initialSha256: string;
  finalSha256: string;
  rounds: RoundRecord[];
  model: string;
}

export function sha256Hex(a: Float32Array): string {
  return createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex");
}

export class Coordinator {
  readonly sites = new Map<string, SiteState>();
  current?: OpenRound;
  global: Float32Array;
  state: ServerState = { round: 0 };
  private listeners = new Set<() => void>();
  private readonly privacy: FederationPrivacy;
  private tls?: TlsServer;

  /** Called with each finished round (the serve command appends it to the audit ledger). */
  onRound?: (record: RoundRecord) => void;

  private constructor(readonly config: FederationConfig, readonly model: LlamaConfig, readonly tokenizer: BpeTokenizer, initial: Float32Array, readonly log: (line: string) => void) {
    this.global = initial;
    this.privacy = new FederationPrivacy(config.dp.delta);
  }

  static async create(config: FederationConfig, log: (line: string) => void): Promise<Coordinator> {
    await initBackend();
    const tokenizer = await BpeTokenizer.load(config.tokenizer);
    const model = { ...resolvePreset(config.model.preset), vocabSize: tokenizer.vocabSize };
    const m = LlamaModel.create(model, { seed: config.model.seed });
    const initial = flattenWeights(m.weights(), modelLayout(model).map(([n]) => n));
    m.dispose();
    return new Coordinator(config, model, tokenizer, initial, log);
  }

  async listen(): Promise<string> {
    const cred = await loadCredential(this.config.credentials, "coordinator");
    this.tls = await startTlsServer(cred, this.config.listen.host, this.config.listen.port, (peer, path, body) => this.handle(peer, path, body), (site) => {
      const s = this.sites.get(site);
      if (s) {
        s.gone = true;
        this.notify();
      }
    });
    return this.tls.url;
  }

  /** Wakes whoever waits for a change (a message, a disconnect). */
  notify(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Resolves when pred() holds or after timeoutMs; returns whether pred() held. */
  until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    if (pred()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!pred()) return;
        done(true);
      };
      const timer = setTimeout(() => done(pred()), timeoutMs);
      const done = (v: boolean) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(v);
      };
      this.listeners.add(check);
    });
  }

  send(site: string, task: Task): void {
    const s = this.sites.get(site);
    if (!s) return;
    if (s.waiter) {
      const w = s.waiter;
      s.waiter = undefined;
      w(task);
    } else s.queue.push(task);
  }

  available(): string[] {
    return [...this.sites].filter(([name, s]) => !s.gone && (this.tls?.connected(name) || s.waiter !== undefined)).map(([n]) => n).sort();
  }

  private async handle(peer: string, path: string, body: unknown): Promise<unknown> {
    const bad = (reason: string, status = 400) => new LlmosError("malformed_message", status, reason);
    const identify = (site: string) => {
      if (site !== peer) throw new LlmosError("forbidden", 403, "the message's site does not match the client certificate");
      if (site === "coordinator") throw new LlmosError("forbidden", 403, "the coordinator's own certificate cannot join as a site");
      const s = this.sites.get(site) ?? { queue: [], lastSeen: 0, gone: false };
      s.lastSeen = Date.now();
      s.gone = false;
      this.sites.set(site, s);
      return s;
    };
    const parse = <T>(schema: { safeParse(b: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }): T => {
      const r = schema.safeParse(body);
      if (!r.success) {
        const i = r.error.issues[0]!;
        throw bad(`${i.path.map(String).join(".") || "message"}: ${i.message}`);
      }
      return r.data;
    };
    switch (path) {
      case "/fl/v1/join": {
        const m = parse(joinSchema);
        identify(m.site);
        this.log(`site ${m.site} joined`);
        this.notify();
        return { v: WIRE_VERSION, type: "welcome", federation: this.config.name, site: m.site, model: { preset: this.config.model.preset, vocabSize: this.model.vocabSize }, tokenizer: this.tokenizer.toJSON() };
      }
      case "/fl/v1/poll": {
        const m = parse(pollSchema);
        const s = identify(m.site);
        const next = s.queue.shift();
        if (next) return next;
        return new Promise<Task>((resolve) => {
          const timer = setTimeout(() => {
            if (s.waiter === deliver) s.waiter = undefined;
            resolve({ v: WIRE_VERSION, type: "idle" });
          }, this.config.timeouts.pollMs);
          const deliver = (t: Task) => {
            clearTimeout(timer);
            resolve(t);
          };
          s.waiter?.({ v: WIRE_VERSION, type: "idle" });
          s.waiter = deliver;
          this.notify();
        });
      }
      case "/fl/v1/submit": {
        const m = parse(submitSchema);
        identify(m.site);
        const r = this.current;
        if (!r || r.roundId !== m.roundId) throw new LlmosError("stale_message", 409, `stale message: round '${m.roundId.slice(0, 80)}' is not open`);
        r.accept(m);
        this.notify();
        return { v: WIRE_VERSION, ok: true };
      }
      default:
        throw new NotFoundError("endpoint", path.slice(0, 80));
    }
  }

  /** Runs every round, then tells the sites to stop and writes the model. */
  async run(): Promise<FederationSummary> {
    const c = this.config;
    await mkdir(c.out, { recursive: true });
    const summary: FederationSummary = { federation: c.name, initialSha256: sha256Hex(this.global), finalSha256: "", rounds: [], model: join(c.out, "global.gguf") };
    for (let round = 1; round <= c.rounds; round++) {
      const need = round === 1 ? Math.max(c.sampling.minSites, c.sampling.startAfter ?? 0) : c.sampling.minSites;
      const enough = await this.until(() => this.available().length >= need, c.sampling.waitForSitesMs);
      if (!enough) {
        this.log(`round ${round}: only ${this.available().length} sites available, ${need} needed; stopping`);
        break;
      }
      const avail = this.available();
      const k = Math.min(avail.length, Math.max(c.sampling.minSites, Math.ceil(c.sampling.fraction * avail.length)));
      const pool = [...avail];
      for (let i = pool.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      }
      const selected = pool.slice(0, k).sort();
      // Client-level DP budget: check this round's worst case (sampling rate = selected / known sites) first.
      const q = k / Math.max(k, this.sites.size);
      if (c.dp.enabled && c.dp.maxEpsilon !== undefined) {
        // z is a lower bound on the released noise multiplier in both placements.
        const eps = this.privacy.projected(c.dp.noiseMultiplier, q);
        if (eps > c.dp.maxEpsilon) {
          this.log(`round ${round}: would spend ε = ${eps.toFixed(3)} > budget ${c.dp.maxEpsilon}; stopping`);
          break;
        }
      }
      const roundId = `${c.name}-r${round}-${randomBytes(6).toString("hex")}`;
      const record = await runRound(this, round, roundId, selected);
      record.modelSha256 = sha256Hex(this.global);
      if (c.dp.enabled && !record.aborted && record.noiseMultiplier !== undefined) {
        record.dp = { epsilon: this.privacy.record(record.noiseMultiplier, q), delta: c.dp.delta, samplingRate: q, noiseMultiplier: record.noiseMultiplier };
      }
      this.onRound?.(record);
      summary.rounds.push(record);
      this.log(`round ${round}: ${record.aborted ? `aborted (${record.aborted})` : `aggregated ${record.survivors.length} of ${selected.length} sites`}${record.recovered.length ? `, recovered from dropout of ${record.recovered.join(", ")}` : ""}${record.meanLossBefore !== undefined ? `, site loss ${record.meanLossBefore.toFixed(4)}` : ""}`);
      await writeFileAtomic(join(c.out, "summary.json"), `${JSON.stringify({ ...summary, finalSha256: sha256Hex(this.global) }, null, 2)}\n`);
    }
    summary.finalSha256 = sha256Hex(this.global);
    const weights = unflattenWeights(this.global, modelLayout(this.model));
    await exportLlamaGguf({ path: summary.model, config: this.model, weights, vocab: this.tokenizer, type: "f32", name: c.name });
    await writeFileAtomic(join(c.out, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    for (const site of this.sites.keys()) this.send(site, { v: WIRE_VERSION, type: "finish", rounds: summary.rounds.length });
    // Give waiting polls a moment to carry the finish message out.
    await this.until(() => [...this.sites.values()].every((s) => s.queue.length === 0 || s.gone), 2000);
    return summary;
  }

  async close(): Promise<void> {
    await this.tls?.close();
  }
}
