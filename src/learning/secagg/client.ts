// The site's side of secure aggregation (Bonawitz et al. CCS 2017, Fig. 4, semi-honest variant) as a
// state machine: each method takes the server's message and returns the site's reply.
import { randomBytes } from "node:crypto";
import { agree, b64, deriveKey, generateKeyPair, open, prgWords, seal, unb64, type KeyPair } from "./primitives.ts";
import { addInto } from "./quantize.ts";
import { ProtocolError, RoundAbortedError } from "./errors.ts";
import { bytesToField, splitSecret } from "./shamir.ts";
import { sharePlainSchema, type Advertise, type Ciphertexts, type Keys, type Masked, type RoundParams, type Shares, type Survivors, type Unmask } from "./messages.ts";

type Stage = "new" | "advertised" | "shared" | "masked" | "done";

interface Member {
  site: string;
  x: number;
  cPk: Uint8Array;
  sPk: Uint8Array;
}

export class SecAggClient {
  private stage: Stage = "new";
  private c?: KeyPair;
  private s?: KeyPair;
  private members = new Map<string, Member>();
  private threshold = 0;
  /** Shares I hold of each neighbour's secrets (and of my own), decrypted at unmasking. */
  private held = new Map<string, { s: string; b: string } | Uint8Array>();
  /** Neighbours whose shares reached me, i.e. U2 ∩ N(u). */
  private alive = new Set<string>();

  constructor(readonly site: string, readonly params: RoundParams) {
    if (!params.sites.includes(site)) throw new ProtocolError("this site is not part of the round", { site });
  }

  private expect(stage: Stage, msg: { roundId: string }, what: string): void {
    if (msg.roundId !== this.params.roundId) throw new ProtocolError(`stale ${what}: it belongs to another round`);
    if (this.stage !== stage) throw new ProtocolError(`unexpected ${what} in stage '${this.stage}'`);
  }

  /** Stage 0: two fresh X25519 key pairs for this round. */
  advertise(): Advertise {
    if (this.stage !== "new") throw new ProtocolError(`advertise called in stage '${this.stage}'`);
    this.c = generateKeyPair();
    this.s = generateKeyPair();
    this.stage = "advertised";
    return { type: "secagg/advertise", roundId: this.params.roundId, site: this.site, cPk: b64(this.c.publicKey), sPk: b64(this.s.publicKey) };
  }

  /** Stage 1: pick the self-mask seed b, share s_SK and b t-of-|N(u) ∪ {u}|, encrypt each share to its holder. */
  shareKeys(msg: Keys): Shares {
    this.expect("advertised", msg, "key list");
    const me = msg.members.find((m) => m.site === this.site);
    if (!me || me.cPk !== b64(this.c!.publicKey) || me.sPk !== b64(this.s!.publicKey)) throw new ProtocolError("the key list does not hold this site's own keys");
    if (msg.members.length < msg.threshold) throw new RoundAbortedError("share-keys", msg.members.length, msg.threshold);
    if (new Set(msg.members.map((m) => m.x)).size !== msg.members.length) throw new ProtocolError("the key list repeats a share point");
    this.threshold = msg.threshold;
    for (const m of msg.members) this.members.set(m.site, { site: m.site, x: m.x, cPk: unb64(m.cPk), sPk: unb64(m.sPk) });
    const seed = Uint8Array.from(randomBytes(32));
    this.held.set(`seed:${this.site}`, seed);
    const xs = msg.members.map((m) => m.x);
    const sShares = splitSecret(bytesToField(this.s!.secretKey), msg.threshold, xs);
    const bShares = splitSecret(bytesToField(seed), msg.threshold, xs);
    const ciphertexts: Shares["ciphertexts"] = [];
    msg.members.forEach((m, i) => {
      const plain = { from: this.site, to: m.site, s: sShares[i]!.y.toString(16), b: bShares[i]!.y.toString(16) };
      if (m.site === this.site) {
        this.held.set(this.site, { s: plain.s, b: plain.b });
        return;
      }
      const key = deriveKey(agree(this.c!.secretKey, unb64(m.cPk)), this.params.roundId, "share-encryption");
      ciphertexts.push({ to: m.site, ct: b64(seal(key, new TextEncoder().encode(JSON.stringify(plain)), `${this.params.roundId}|${this.site}|${m.site}`)) });
    });
    this.stage = "shared";
    return { type: "secagg/shares", roundId: this.params.roundId, site: this.site, ciphertexts };
  }

  /** Stage 2: y = x + PRG(b) + Σ_{v ∈ U2 ∩ N(u)} ±PRG(s_{u,v})  (mod 2^32); + when u < v. */
  maskInput(msg: Ciphertexts, input: Uint32Array): Masked {
    this.expect("shared", msg, "share delivery");
    if (input.length !== this.params.vectorLength) throw new ProtocolError(`input has ${input.length} values, the round expects ${this.params.vectorLength}`);
    for (const { from, ct } of msg.ciphertexts) {
      if (!this.members.has(from) || from === this.site) throw new ProtocolError("a share came from a site that is not a neighbour", { from });
      this.held.set(from, unb64(ct));
      this.alive.add(from);
    }
    if (this.alive.size + 1 < this.threshold) throw new RoundAbortedError("masked-input", this.alive.size + 1, this.threshold);
    const y = new Uint32Array(input);
    addInto(y, prgWords(deriveKey(this.held.get(`seed:${this.site}`) as Uint8Array, this.params.roundId, "self-mask"), y.length));
    for (const v of this.alive) {
      const pair = deriveKey(agree(this.s!.secretKey, this.members.get(v)!.sPk), this.params.roundId, "pair-mask");
      addInto(y, prgWords(pair, y.length), this.site < v ? 1 : -1);
    }
    this.stage = "masked";
    return { type: "secagg/masked", roundId: this.params.roundId, site: this.site, masked: b64(new Uint8Array(y.buffer)) };
  }

  /**
   * Stage 4: for each neighbour v that shared, reveal v's b share if v survived, else v's s_SK share —
   * never both for the same v, which is what keeps a late site's input hidden (Bonawitz §4).
   */
  unmask(msg: Survivors): Unmask {
    this.expect("masked", msg, "survivor list");
    const survivors = new Set(msg.survivors);
    if (!survivors.has(this.site)) throw new ProtocolError("the survivor list leaves out this site");
    for (const v of survivors) if (v !== this.site && !this.alive.has(v)) throw new ProtocolError("the survivor list names a site that never shared", { v });
    const inHood = [...survivors].filter((v) => v === this.site || this.alive.has(v)).length;
    if (inHood < this.threshold) throw new RoundAbortedError("unmask", inHood, this.threshold);
    const seedShares: Unmask["seedShares"] = [];
    const keyShares: Unmask["keyShares"] = [];
    for (const v of [this.site, ...this.alive]) {
      const share = this.decrypt(v);
      if (survivors.has(v)) seedShares.push({ of: v, y: share.b });
      else keyShares.push({ of: v, y: share.s });
    }
    this.stage = "done";
    // Secrets are of no further use; drop them.
    this.held.clear();
    return { type: "secagg/unmask", roundId: this.params.roundId, site: this.site, seedShares, keyShares };
  }

  private decrypt(v: string): { s: string; b: string } {
    const h = this.held.get(v);
    if (!h) throw new ProtocolError("no share held", { v });
    if (!(h instanceof Uint8Array)) return h;
    const key = deriveKey(agree(this.c!.secretKey, this.members.get(v)!.cPk), this.params.roundId, "share-encryption");
    const plain = sharePlainSchema.safeParse(JSON.parse(new TextDecoder().decode(open(key, h, `${this.params.roundId}|${v}|${this.site}`))));
    if (!plain.success || plain.data.from !== v || plain.data.to !== this.site) throw new ProtocolError("a decrypted share is malformed or misaddressed", { v });
    return plain.data;
  }
}
