// MPC and HE benchmark: three parties over loopback mutual TLS with the dealer process's protocol
// (all in this process: one event loop runs every party and the dealer, so times include all their
// computation serialised), Beaver multiplication, matrix product and comparison on 100×100 fixed-point
// operands, secure sum/mean jobs; CKKS encrypt/add/multiply/decrypt of 10^6 floats, encrypted
// aggregation of a 100k-entry update over 8 clients, and an encrypted 10×128 linear layer.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { aggregateEncrypted, CkksContext, decryptAggregate, decryptLinearOutput, decryptVector, disposeKeys, EncryptedLinearLayer, encryptLinearInput, encryptUpdate, encryptVector, linearPlan } from "../src/privacy/he/index.ts";
import { connectDealer, freeListenPorts, createMpcCredentials, encodeFixed, jobHash, lessThanZero, loadCredentials, parseJob, runJob, Session, startDealer, TlsTransport } from "../src/privacy/mpc/index.ts";

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await f();
  return [v, performance.now() - t];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function mpcBench(dir: string) {
  await createMpcCredentials(dir, 3);
  const creds = [0, 1, 2].map((i) => loadCredentials(join(dir, `party-${i}.json`)));
  const dealer = await startDealer({ host: "127.0.0.1", port: 0, credentials: loadCredentials(join(dir, "dealer.json")) });
  const ports = await freeListenPorts(3);
  const peers = ports.map((port) => ({ host: "127.0.0.1", port }));
  const sumJob = parseJob({ id: "bench-sum", parties: 3, protocol: "sum", inputs: [0, 1, 2], outputTo: [0], params: { length: 1000 } });
  const hash = jobHash(sumJob);
  const dealerEp = { host: "127.0.0.1", port: dealer.address().port };
  const conns = await Promise.all([0, 1, 2].map((id) => connectDealer({ id, parties: 3, dealer: dealerEp, credentials: creds[id]!, jobHash: hash })));
  const nets = await Promise.all([0, 1, 2].map((id) => TlsTransport.connect({ id, peers, credentials: creds[id]!, jobHash: hash })));
  const sessions = nets.map((t, i) => new Session(t, conns[i]!.preprocessing));
  const all = <T>(f: (s: Session) => Promise<T>) => Promise.all(sessions.map(f));
  const out: Record<string, number> = {};
  try {
    const x = await all((s) => s.input(0, s.id === 0 ? encodeFixed(Array.from({ length: 10_000 }, (_, i) => Math.sin(i) * 10)) : null));
    const y = await all((s) => s.input(1, s.id === 1 ? encodeFixed(Array.from({ length: 10_000 }, (_, i) => Math.cos(i) * 10)) : null));
    const mulTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let r = 0; r < 3; r++) {
      rawTimes.push((await timed(() => all((s) => s.mul(x[s.id]!, y[s.id]!))))[1]);
      mulTimes.push((await timed(() => all((s) => s.mulFixed(x[s.id]!, y[s.id]!))))[1]);
    }
    out.mul_100x100_ms = round(median(mulTimes));
    out.beaver_mults_per_s = Math.round(10_000 / (median(rawTimes) / 1000));
    out.matmul_100x100_ms = round((await timed(() => all((s) => s.matmulFixed(x[s.id]!, y[s.id]!, 100, 100, 100))))[1]);
    const [, cmpMs] = await timed(() => all((s) => lessThanZero(s, s.sub(x[s.id]!, y[s.id]!))));
    out.cmp_100x100_ms = round(cmpMs);
    out.comparisons_per_s = Math.round(10_000 / (cmpMs / 1000));
    const inputs = [0, 1, 2].map((p) => Array.from({ length: 1000 }, (_, i) => p + i / 1000));
    out.secure_sum_job_1000x3_ms = round((await timed(() => all((s) => runJob(s, sumJob, inputs[s.id]))))[1]);
    const meanJob = parseJob({ id: "bench-mean", parties: 3, protocol: "mean", inputs: [0, 1, 2], outputTo: [0] });
    const values = [0, 1, 2].map((p) => Array.from({ length: 333_334 }, (_, i) => Math.sin(p * 1e6 + i)));
    out.secure_mean_job_1e6_ms = round((await timed(() => all((s) => runJob(s, meanJob, values[s.id]))))[1]);
    // Mean of a secret-shared 10^6-vector: party 0 shares it, parties add their shares locally, party 0 learns the mean.
    const big = Array.from({ length: 1_000_000 }, (_, i) => Math.sin(i));
    out.secure_mean_1e6_ms = round((await timed(() => all(async (s) => {
      const sh = await s.input(0, s.id === 0 ? encodeFixed(big) : null);
      let acc = 0n;
      for (const v of sh) acc += v;
      return s.revealTo([acc % ((1n << 127n) - 1n)], [0]);
    })))[1]);
    out.rounds_total = sessions[0]!.rounds;
  } finally {
    await Promise.all(nets.map((t) => t.close()));
    for (const c of conns) c.close();
    await dealer.close();
  }
  return out;
}

async function heBench() {
  const ctx = await CkksContext.create();
  const keys = ctx.generateKeys();
  const out: Record<string, number> = {};
  try {
    const n = 1_000_000;
    const a = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const b = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
    const [ea, encMs] = await timed(async () => encryptVector(ctx, keys.publicKey, a));
    const eb = encryptVector(ctx, keys.publicKey, b);
    const [, addMs] = await timed(async () => ea.addInPlace(eb));
    const [dec, decMs] = await timed(async () => decryptVector(ctx, keys.secretKey, ea));
    let err = 0;
    for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(dec[i]! - (a[i]! + b[i]!)));
    const [, mulMs] = await timed(async () => eb.multiplyPlainInPlace(0.5));
    const t = performance.now();
    const plain = new Float64Array(n);
    for (let i = 0; i < n; i++) plain[i] = a[i]! + b[i]!;
    out.plain_1e6_ms = round(performance.now() - t, 2);
    out.ckks_encrypt_1e6_ms = round(encMs);
    out.ckks_add_1e6_ms = round(addMs);
    out.ckks_decrypt_1e6_ms = round(decMs);
    out.ckks_mul_plain_rescale_1e6_ms = round(mulMs);
    out.ckks_1e6_ms = round(2 * encMs + addMs + decMs);
    out.ckks_add_max_abs_error = err;
    out.ckks_ciphertexts_per_1e6 = ea.chunks.length;
    ea.dispose();
    eb.dispose();

    const clients = Array.from({ length: 8 }, (_, c) => Float32Array.from({ length: 100_000 }, (_, i) => Math.sin(c * 7 + i) * 0.01));
    const [uploads, encAll] = await timed(async () => clients.map((u) => encryptUpdate(ctx, keys.publicKey, u)));
    const [agg, aggMs] = await timed(async () => aggregateEncrypted(ctx, uploads));
    const [mean, decAgg] = await timed(async () => decryptAggregate(ctx, keys.secretKey, agg, 8));
    let aggErr = 0;
    for (let i = 0; i < 100_000; i++) aggErr = Math.max(aggErr, Math.abs(mean[i]! - clients.reduce((s, c) => s + c[i]!, 0) / 8));
    out.he_agg_100k_x8_client_encrypt_ms = round(encAll / 8);
    out.he_agg_100k_x8_server_ms = round(aggMs);
    out.he_agg_100k_x8_decrypt_ms = round(decAgg);
    out.he_agg_100k_x8_total_ms = round(encAll + aggMs + decAgg);
    out.he_agg_upload_bytes_per_client = uploads[0]!.byteLength;
    out.he_agg_max_abs_error = aggErr;

    const plan = linearPlan(128, 10, ctx.slots);
    const lk = ctx.generateKeys({ galoisSteps: plan.steps });
    const w = Array.from({ length: 10 }, (_, r) => Array.from({ length: 128 }, (_, i) => Math.sin(r * 128 + i)));
    const layer = EncryptedLinearLayer.create(ctx, w, new Array(10).fill(0.1));
    const x = Array.from({ length: 128 }, (_, i) => Math.cos(i));
    const ct = encryptLinearInput(ctx, lk.publicKey, x, plan);
    const [y, linMs] = await timed(async () => layer.evaluate(ct, lk.galoisKeys!));
    const got = decryptLinearOutput(ctx, lk.secretKey, y, plan);
    out.he_linear_10x128_ms = round(linMs);
    out.he_linear_10x128_max_abs_error = Math.max(...w.map((row, r) => Math.abs(got[r]! - row.reduce((s, v, i) => s + v * x[i]!, 0.1))));
    ct.delete();
    y.delete();
    layer.dispose();
    disposeKeys(lk);
  } finally {
    disposeKeys(keys);
    ctx.dispose();
  }
  return out;
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "llmos-bench-mpc-"));
  try {
    const loadBefore = loadavg()[0]!;
    const mpc = await mpcBench(dir);
    const he = await heBench();
    return {
      // Other processes share the CPU: times scale with the load (load average over the cores).
      load_average_1m: { before: round(loadBefore, 2), after: round(loadavg()[0]!, 2) },
      setup: "3 parties + dealer over loopback mutual TLS 1.3 in one process; p = 2^127-1, 16 fractional bits; CKKS N=8192, 60+40+40+60, scale 2^40",
      reference_crypten_2party_cpu_ms: { mul_100x100: 2.26, matmul_100x100: 3.42, cmp_100x100: 25.8 },
      ...mpc,
      ...he,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
