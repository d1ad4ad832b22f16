// DP benchmark: samples/s of each sampler (CSPRNG), time to account 10,000 DP-SGD steps with RDP
// and with PLD, calibration time, and DP count / sum / histogram over 10^6 in-memory rows.
import {
  calibrateNoiseMultiplier, executeQuery, exponentialMechanism, gaussianNoiseFloat32, laplaceMechanism, parseDpQuery,
  pldEpsilon, RandomSource, randomizedResponse, rationalAtLeast, RdpAccountant, rdpEpsilon, sampleDiscreteGaussian,
  sampleDiscreteLaplace, sampleGaussian, sampleLaplace, tableFromCsv, type ColumnSpec,
} from "../src/privacy/dp/index.ts";

function rate(n: number, f: () => void): number {
  for (let i = 0; i < Math.min(n, 10000); i++) f(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  return Math.round(n / ((performance.now() - t0) / 1000));
}

function timeMs<T>(f: () => T, repeat = 3): { ms: number; result: T } {
  let best = Infinity;
  let result!: T;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    result = f();
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: Math.round(best * 100) / 100, result };
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const rows = Number(args[0] ?? 1_000_000);
  const rng = RandomSource.secure();
  const lap = rationalAtLeast(2.5);
  const gau = rationalAtLeast(3.7 * 3.7);
  const gauBig = rationalAtLeast(1000 * 1000);
  const vec = new Float32Array(1_000_000);
  const utilities = Array.from({ length: 1024 }, (_, i) => -Math.abs(i - 512));
  const samplers: Record<string, number> = {
    discrete_laplace_b2_5: rate(1_000_000, () => sampleDiscreteLaplace(rng, lap)),
    discrete_gaussian_sigma3_7: rate(1_000_000, () => sampleDiscreteGaussian(rng, gau)),
    discrete_gaussian_sigma1000: rate(300_000, () => sampleDiscreteGaussian(rng, gauBig)),
    lattice_laplace: rate(1_000_000, () => sampleLaplace(rng, 1.3)),
    lattice_gaussian: rate(300_000, () => sampleGaussian(rng, 1.3)),
    laplace_mechanism_real: rate(300_000, () => laplaceMechanism(rng, 12.5, 1, 0.5)),
    gaussian_float32_vector: (() => {
      gaussianNoiseFloat32(rng, vec, 1);
      const t0 = performance.now();
      gaussianNoiseFloat32(rng, vec, 1);
      return Math.round(vec.length / ((performance.now() - t0) / 1000));
    })(),
    randomized_response_k10: rate(1_000_000, () => randomizedResponse(rng, 3, 10, 1)),
    exponential_mechanism_1024: rate(20_000, () => exponentialMechanism(rng, utilities, 1, 1)),
  };

  // 10,000 DP-SGD steps (σ = 1.1, q = 0.01, δ = 1e-5): RDP as 10,000 compose calls plus the conversion.
  const rdp = timeMs(() => {
    const acc = new RdpAccountant();
    for (let i = 0; i < 10_000; i++) acc.composePoissonGaussian(1.1, 0.01);
    return acc.epsilon(1e-5).epsilon;
  });
  const rdpOneShot = timeMs(() => rdpEpsilon({ noiseMultiplier: 1.1, samplingRate: 0.01, steps: 10_000, delta: 1e-5 }).epsilon);
  const pld = timeMs(() => pldEpsilon({ noiseMultiplier: 1.1, samplingRate: 0.01, steps: 10_000, delta: 1e-5 }).epsilon, 1);
  const calRdp = timeMs(() => calibrateNoiseMultiplier({ epsilon: 3, delta: 1e-5, samplingRate: 0.01, steps: 10_000 }), 1);

  // 10^6 rows: user id (100,000 users), value, category.
  const schema: ColumnSpec[] = [{ name: "user", type: "integer" }, { name: "value", type: "number" }, { name: "cat", type: "string" }];
  const cats = ["a", "b", "c", "d", "e", "f", "g", "h"];
  const lines = ["user,value,cat"];
  for (let i = 0; i < rows; i++) lines.push(`${i % 100_000},${(i * 37) % 1000 / 10},${cats[i % 8]}`);
  const load = timeMs(() => tableFromCsv(lines.join("\n"), schema), 1);
  const table = load.result;
  const q = (o: unknown) => parseDpQuery(o, schema);
  const count = timeMs(() => executeQuery(q({ type: "count", epsilon: 1 }), table, null, rng));
  const countUser = timeMs(() => executeQuery(q({ type: "count", epsilon: 1, max_rows_per_user: 10 }), table, "user", rng));
  const sum = timeMs(() => executeQuery(q({ type: "sum", column: "value", bounds: [0, 100], epsilon: 1 }), table, null, rng));
  const hist = timeMs(() => executeQuery(q({ type: "histogram", column: "cat", keys: cats, epsilon: 1 }), table, null, rng));
  const histThr = timeMs(() => executeQuery(q({ type: "histogram", column: "cat", epsilon: 1, delta: 1e-6 }), table, null, rng));
  const median = timeMs(() => executeQuery(q({ type: "quantile", column: "value", bounds: [0, 100], epsilon: 1 }), table, null, rng), 1);

  return {
    rdp_10k_steps_ms: rdp.ms,
    rdp_10k_steps_epsilon: rdp.result,
    rdp_one_shot_10k_steps_ms: rdpOneShot.ms,
    pld_10k_steps_ms: pld.ms,
    pld_10k_steps_epsilon: pld.result,
    calibrate_rdp_10k_steps_ms: calRdp.ms,
    rows,
    load_csv_rows_ms: load.ms,
    count_1e6_rows_ms: count.ms,
    count_1e6_rows_per_user_bound_ms: countUser.ms,
    sum_1e6_rows_ms: sum.ms,
    histogram_1e6_rows_ms: hist.ms,
    histogram_thresholded_1e6_rows_ms: histThr.ms,
    median_1e6_rows_ms: median.ms,
    samplers,
    targets: { rdp_10k_steps_ms: 50, count_1e6_rows_ms: 200 },
  };
}
