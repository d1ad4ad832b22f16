// A CKKS context (Cheon, Kim, Kim, Song, ASIACRYPT 2017) on Microsoft SEAL: encryption parameters,
// encoder (N/2 complex slots, used here for reals) and evaluator, plus key generation and loading.
// Defaults: N = 8192, coefficient modulus 60+40+40+60 bits (200 bits ≤ 218, the HE-standard bound for
// 128-bit security at N = 8192; Albrecht et al., HomomorphicEncryption.org standard 2018), scale 2^40.
// SEAL objects live in WASM memory: every holder has dispose().
import { createHash } from "node:crypto";
import { InvalidArgumentError } from "../../errors/index.ts";
import { HeDisposedError, HeFormatError } from "./errors.ts";
import { unwrap, wrap } from "./format.ts";
import { loadSeal, type SealLibrary } from "./seal.ts";

export interface CkksOptions {
  polyModulusDegree?: number;
  coeffBits?: number[];
  scaleBits?: number;
}

type Ctx = ReturnType<SealLibrary["Context"]>;
type Encoder = ReturnType<SealLibrary["CKKSEncoder"]>;
type Evaluator = ReturnType<SealLibrary["Evaluator"]>;
export type PublicKey = ReturnType<ReturnType<SealLibrary["KeyGenerator"]>["createPublicKey"]>;
export type SecretKey = ReturnType<ReturnType<SealLibrary["KeyGenerator"]>["secretKey"]>;
export type GaloisKeys = ReturnType<ReturnType<SealLibrary["KeyGenerator"]>["createGaloisKeys"]>;
export type CipherText = ReturnType<SealLibrary["CipherText"]>;
export type PlainText = ReturnType<SealLibrary["PlainText"]>;

export interface CkksKeys {
  publicKey: PublicKey;
  secretKey: SecretKey;
  galoisKeys?: GaloisKeys;
}

export class CkksContext {
  private disposed = false;
  private constructor(
    readonly seal: SealLibrary,
    readonly context: Ctx,
    readonly encoder: Encoder,
    readonly evaluator: Evaluator,
    readonly scaleBits: number,
    /** SEAL's serialisation of the encryption parameters (what paramsId hashes). */
    readonly sealParams: Uint8Array,
  ) {}

  static async create(opts: CkksOptions = {}): Promise<CkksContext> {
    const seal = await loadSeal();
    const n = opts.polyModulusDegree ?? 8192;
    const bits = opts.coeffBits ?? [60, 40, 40, 60];
    const scaleBits = opts.scaleBits ?? 40;
    if (![4096, 8192, 16384, 32768].includes(n)) throw new InvalidArgumentError("polyModulusDegree", "must be 4096, 8192, 16384 or 32768");
    if (!Number.isInteger(scaleBits) || scaleBits < 20 || scaleBits > 60) throw new InvalidArgumentError("scaleBits", "must be an integer in [20, 60]");
    const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
    try {
      parms.setPolyModulusDegree(n);
      parms.setCoeffModulus(seal.CoeffModulus.Create(n, Int32Array.from(bits)));
      return CkksContext.build(seal, parms.saveArray(seal.ComprModeType.none), scaleBits);
    } catch (cause) {
      if (cause instanceof InvalidArgumentError) throw cause;
      throw new InvalidArgumentError("coeffBits", "SEAL refused these parameters (too many bits for the security level?)", { cause });
    } finally {
      parms.delete();
    }
  }

  private static build(seal: SealLibrary, sealParams: Uint8Array, scaleBits: number): CkksContext {
    const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
    try {
      parms.loadArray(sealParams);
      const context = seal.Context(parms, true, seal.SecurityLevel.tc128);
      if (!context.parametersSet()) {
        context.delete();
        throw new InvalidArgumentError("coeffBits", "parameters are not valid for 128-bit security");
      }
      return new CkksContext(seal, context, seal.CKKSEncoder(context), seal.Evaluator(context), scaleBits, sealParams);
    } finally {
      parms.delete();
    }
  }

  /** Rebuilds a context from exportParams() bytes (e.g. on the server that only aggregates). */
  static async fromParams(bytes: Uint8Array): Promise<CkksContext> {
    const payload = unwrap(bytes, "params", null);
    if (payload.length < 2) throw new HeFormatError("parameters are truncated");
    const seal = await loadSeal();
    try {
      return CkksContext.build(seal, payload.subarray(1), payload[0]!);
    } catch (cause) {
      throw new HeFormatError("the SEAL parameters do not load", { cause });
    }
  }

  get paramsId(): Uint8Array {
    return createHash("sha256").update(this.sealParams).digest();
  }
  get scale(): number { return 2 ** this.scaleBits; }
  /** N/2 real slots per ciphertext. */
  get slots(): number { this.check(); return this.encoder.slotCount; }

  exportParams(): Uint8Array {
    return wrap("params", this.paramsId, Buffer.concat([Buffer.from([this.scaleBits]), Buffer.from(this.sealParams)]));
  }

  /** A key pair, plus Galois keys for the given rotation steps when asked (none: no rotations). */
  generateKeys(opts: { galoisSteps?: number[] } = {}): CkksKeys {
    this.check();
    const kg = this.seal.KeyGenerator(this.context);
    try {
      const keys: CkksKeys = { publicKey: kg.createPublicKey(), secretKey: kg.secretKey() };
      if (opts.galoisSteps && opts.galoisSteps.length > 0) keys.galoisKeys = kg.createGaloisKeys(Int32Array.from(opts.galoisSteps));
      return keys;
    } finally {
      kg.delete();
    }
  }

  /** Key bytes in the LLMOSHE1 format; the secret key only if asked (it decrypts everything). */
  exportKeys(keys: CkksKeys, opts: { includeSecret?: boolean } = {}): { publicKey: Uint8Array; secretKey?: Uint8Array; galoisKeys?: Uint8Array } {
    const z = this.seal.ComprModeType.zstd;
    return {
      publicKey: wrap("publicKey", this.paramsId, keys.publicKey.saveArray(z)),
      ...(opts.includeSecret ? { secretKey: wrap("secretKey", this.paramsId, keys.secretKey.saveArray(z)) } : {}),
      ...(keys.galoisKeys ? { galoisKeys: wrap("galoisKeys", this.paramsId, keys.galoisKeys.saveArray(z)) } : {}),
    };
  }

  loadPublicKey(bytes: Uint8Array): PublicKey {
    const k = this.seal.PublicKey();
    return this.load(k, unwrap(bytes, "publicKey", this.paramsId), "public key");
  }
  loadSecretKey(bytes: Uint8Array): SecretKey {
    const k = this.seal.SecretKey();
    return this.load(k, unwrap(bytes, "secretKey", this.paramsId), "secret key");
  }
  loadGaloisKeys(bytes: Uint8Array): GaloisKeys {
    const k = this.seal.GaloisKeys();
    return this.load(k, unwrap(bytes, "galoisKeys", this.paramsId), "Galois keys");
  }

  private load<T extends { loadArray(c: Ctx, a: Uint8Array): void; delete(): void }>(obj: T, payload: Uint8Array, what: string): T {
    this.check();
    try {
      obj.loadArray(this.context, payload);
      return obj;
    } catch (cause) {
      obj.delete();
      throw new HeFormatError(`the ${what} does not load under these parameters`, { cause });
    }
  }

  /** Encodes up to `slots` reals at the context scale (unused slots are zero). */
  encode(values: ArrayLike<number>, scale = this.scale): PlainText {
    this.check();
    if (values.length > this.slots) throw new InvalidArgumentError("values", `has ${values.length} entries, a ciphertext holds ${this.slots}`);
    const padded = new Float64Array(this.slots);
    for (let i = 0; i < values.length; i++) padded[i] = values[i]!;
    return this.encoder.encode(padded, scale)!;
  }

  check(): void {
    if (this.disposed) throw new HeDisposedError("CKKS context");
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.encoder.delete();
    this.evaluator.delete();
    this.context.delete();
  }
}

export function disposeKeys(keys: CkksKeys): void {
  keys.publicKey.delete();
  keys.secretKey.delete();
  keys.galoisKeys?.delete();
}
