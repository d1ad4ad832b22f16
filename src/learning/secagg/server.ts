// The coordinator's side of secure aggregation (Bonawitz et al. CCS 2017; SecAgg+ neighbourhoods from
// Bell et al. CCS 2020) as a state machine. receive() takes site messages for the open stage; close()
// ends the stage (whoever has not answered is dropped) and returns the next messages, or at the end the
// sum of the survivors' inputs. The server only ever learns that sum (DESIGN.md invariant 6).
import { agree, deriveKey, prgWords, publicKeyOf, unb64 } from "./primitives.ts";
import { addInto } from "./quantize.ts";
import { ProtocolError, RoundAbortedError } from "./errors.ts";
import { completeGraph, harary, secAggPlusDegree, type Graph } from "./graph.ts";
import { combineShares, fieldToBytes, type Share } from "./shamir.ts";
import type { Advertise, Ciphertexts, ClientMessage, Keys, Masked, RoundParams, Shares, Survivors, Unmask } from "./messages.ts";

export type ServerStage = "advertise" | "shares" | "masked" | "unmask" | "done" | "aborted";

export interface SecAggResult {
  /** Σ x_u mod 2^32 over the survivors U3. */
  sum: Uint32Array;
  survivors: string[];
  /** Sites that shared keys but sent no masked input: their masks were removed via s_SK reconstruction. */
  recovered: string[];
}

export interface ServerOptions {
  /** SecAgg+ degree k (even); default secAggPlusDegree(n). */
  neighbours?: number;
}

export class SecAggServer {
  stage: ServerStage = "advertise";
  private graph: Graph = new Map();
  private threshold: number;
  private readonly keys = new Map<string, Advertise>();
  private readonly shares = new Map<string, Shares>();
  private readonly masked = new Map<string, Uint32Array>();
  private readonly unmasks = new Map<string, Unmask>();
  private awaited: Set<string>;

  constructor(readonly params: RoundParams, private readonly options: ServerOptions = {}) {
    // t ≥ 2 keeps every sum over at least two inputs, so no single update is ever unmasked.
    if (params.threshold < 2) throw new ProtocolError("the threshold must be at least 2");
    this.threshold = params.threshold;
    this.awaited = new Set(params.sites);
  }

  /** Sites the open stage still waits for. */
  pending(): string[] {
    return [...this.awaited];
  }

  /** Accepts one site message for the open stage; a stale, duplicate or misplaced one throws ProtocolError. */
  receive(msg: ClientMessage): void {
    if (msg.roundId !== this.params.roundId) throw new ProtocolError("stale message: it belongs to another round", { site: msg.site });
    const want = { advertise: "secagg/advertise", shares: "secagg/shares", masked: "secagg/masked", unmask: "secagg/unmask" }[this.stage as "advertise"];
    if (msg.type !== want) throw new ProtocolError(`'${msg.type}' does not fit stage '${this.stage}'`, { site: msg.site });
    if (!this.awaited.has(msg.site)) throw new ProtocolError("the site is not expected in this stage (dropped, duplicate or unknown)", { site: msg.site });
    switch (msg.type) {
      case "secagg/advertise":
        this.keys.set(msg.site, msg);
        break;
      case "secagg/shares":
        for (const c of msg.ciphertexts) if (!this.graph.get(msg.site)!.includes(c.to)) throw new ProtocolError("a share is addressed to a non-neighbour", { site: msg.site });
        this.shares.set(msg.site, msg);
        break;
      case "secagg/masked": {
        const bytes = unb64(msg.masked);
        if (bytes.byteLength !== 4 * this.params.vectorLength) throw new ProtocolError(`masked input has ${bytes.byteLength} bytes, expected ${4 * this.params.vectorLength}`, { site: msg.site });
        this.masked.set(msg.site, new Uint32Array(Uint8Array.from(bytes).buffer));
        break;
      }
      case "secagg/unmask":
        this.unmasks.set(msg.site, msg);
        break;
    }
    this.awaited.delete(msg.site);
  }

  private abort(stage: string, remaining: number, detail = ""): never {
    this.stage = "aborted";
    this.awaited.clear();
    throw new RoundAbortedError(stage, remaining, this.threshold, detail);
  }

  private hood(u: string): string[] {
    return [u, ...this.graph.get(u)!];
  }

  /** Ends the open stage. Returns per-site messages for the next one, or the result after unmasking. */
  close(): Map<string, Keys | Ciphertexts | Survivors> | SecAggResult {
    switch (this.stage) {
      case "advertise": return this.closeAdvertise();
      case "shares": return this.closeShares();
      case "masked": return this.closeMasked();
      case "unmask": return this.closeUnmask();
      default: throw new ProtocolError(`close() in stage '${this.stage}'`);
    }
  }

  private closeAdvertise(): Map<string, Keys> {
    const u1 = [...this.keys.keys()].sort();
    if (u1.length < Math.max(2, this.threshold)) this.abort("advertise", u1.length);
    const pks = new Set([...this.keys.values()].flatMap((k) => [k.cPk, k.sPk]));
    if (pks.size !== 2 * u1.length) throw new ProtocolError("two sites advertised the same public key");
    if (this.params.mode === "full") {
      this.graph = completeGraph(u1);
    } else {
      // The degree is fixed by the selected count, so early dropouts do not shrink neighbourhoods.
      this.graph = harary(u1, this.options.neighbours ?? secAggPlusDegree(this.params.sites.length));
      const hood = this.graph.get(u1[0]!)!.length + 1;
      if (hood < this.threshold) this.abort("advertise", hood, "neighbourhoods are smaller than the threshold");
    }
    const x = new Map(u1.map((s, i) => [s, i + 1]));
    const out = new Map<string, Keys>();
    for (const u of u1) {
      const members = this.hood(u).map((v) => ({ site: v, x: x.get(v)!, cPk: this.keys.get(v)!.cPk, sPk: this.keys.get(v)!.sPk }));
      out.set(u, { type: "secagg/keys", roundId: this.params.roundId, threshold: this.threshold, members });
    }
    this.stage = "shares";
    this.awaited = new Set(u1);
    return out;
  }

  private closeShares(): Map<string, Ciphertexts> {
    const u2 = new Set(this.shares.keys());
    this.requireHoods("share-keys", u2, u2);
    const out = new Map<string, Ciphertexts>();
    for (const v of u2) out.set(v, { type: "secagg/ciphertexts", roundId: this.params.roundId, ciphertexts: [] });
    for (const [u, msg] of this.shares) {
      for (const c of msg.ciphertexts) if (u2.has(c.to)) out.get(c.to)!.ciphertexts.push({ from: u, ct: c.ct });
    }
    this.stage = "masked";
    this.awaited = new Set(u2);
    return out;
  }

  /** Every secret still needed must have ≥ t living holders, else no later stage can finish. */
  private requireHoods(stage: string, owners: Set<string>, holders: Set<string>): void {
    if (holders.size < this.threshold) this.abort(stage, holders.size);
    for (const u of owners) {
      const n = this.hood(u).filter((v) => holders.has(v)).length;
      if (n < this.threshold) this.abort(stage, n, "a neighbourhood fell below the threshold");
    }
  }

  private closeMasked(): Map<string, Survivors> {
    const u3 = new Set(this.masked.keys());
    const dropped = [...this.shares.keys()].filter((v) => !u3.has(v));
    this.requireHoods("masked-input", new Set([...u3, ...dropped]), u3);
    const out = new Map<string, Survivors>();
    for (const u of u3) out.set(u, { type: "secagg/survivors", roundId: this.params.roundId, survivors: this.hood(u).filter((v) => u3.has(v)) });
    this.stage = "unmask";
    this.awaited = new Set(u3);
    return out;
  }

  private closeUnmask(): SecAggResult {
    const u3 = [...this.masked.keys()].sort();
    const u3set = new Set(u3);
    const dropped = [...this.shares.keys()].filter((v) => !u3set.has(v)).sort();
    const responders = [...this.unmasks.values()];
    if (responders.length < this.threshold) this.abort("unmask", responders.length);
    const x = new Map([...this.keys.keys()].sort().map((s, i) => [s, i + 1]));
    const collect = (of: string, kind: "seedShares" | "keyShares"): Share[] => {
      const out: Share[] = [];
      for (const m of responders) {
        if (!this.hood(of).includes(m.site)) continue;
        for (const s of m[kind]) if (s.of === of) out.push({ x: x.get(m.site)!, y: BigInt(`0x${s.y}`) });
      }
      return out;
    };
    const sum = new Uint32Array(this.params.vectorLength);
    for (const u of u3) addInto(sum, this.masked.get(u)!);
    const tooFew = (of: string, n: number) => this.abort("unmask", n, `too few shares to unmask ${of}`);
    // Remove the self masks PRG(b_u) of the survivors.
    for (const u of u3) {
      const shares = collect(u, "seedShares");
      if (shares.length < this.threshold) tooFew(u, shares.length);
      const seed = fieldToBytes(combineShares(shares, this.threshold), 32);
      addInto(sum, prgWords(deriveKey(seed, this.params.roundId, "self-mask"), sum.length), -1);
    }
    // Remove what survivors added for pairs with a site that dropped after sharing: rebuild s_v^SK.
    for (const v of dropped) {
      const shares = collect(v, "keyShares");
      if (shares.length < this.threshold) tooFew(v, shares.length);
      const sk = fieldToBytes(combineShares(shares, this.threshold), 32);
      if (Buffer.compare(Buffer.from(publicKeyOf(sk)), Buffer.from(unb64(this.keys.get(v)!.sPk))) !== 0) this.abort("unmask", shares.length, "reconstructed key does not match the advertised one");
      for (const u of this.graph.get(v)!) {
        if (!u3set.has(u)) continue;
        const pair = deriveKey(agree(sk, unb64(this.keys.get(u)!.sPk)), this.params.roundId, "pair-mask");
        // u added +PRG when u < v, −PRG otherwise; undo it.
        addInto(sum, prgWords(pair, sum.length), u < v ? -1 : 1);
      }
    }
    this.stage = "done";
    this.masked.clear();
    return { sum, survivors: u3, recovered: dropped };
  }
}
