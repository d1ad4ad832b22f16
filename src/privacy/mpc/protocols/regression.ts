// Joint training of a linear or logistic regression on rows the input parties hold (horizontal
// partition): the rows are secret-shared and stacked, and full-batch gradient steps run on shares,
// w ← w − (lr/N)·Xᵀ(f(Xw) − y), with f the identity or the SecureML piecewise sigmoid
// (Mohassel & Zhang, S&P 2017, §4). Row counts become public; only the final weights are revealed.
import { z } from "zod";
import { InvalidArgumentError } from "../../../errors/index.ts";
import { sigmoidPiecewise } from "../compare.ts";
import { decodeFixed, encodeFixed } from "../fixed.ts";
import type { Job } from "../job.ts";
import { transpose } from "../linalg.ts";
import type { Session, Shared } from "../session.ts";

export const rowsInput = z.object({ x: z.array(z.array(z.number().finite())).max(100_000), y: z.array(z.number().finite()) });
export type RowsInput = z.infer<typeof rowsInput>;

type RegressionJob = Extract<Job, { protocol: "linreg-step" | "logreg-step" }>;

function checkRows(input: RowsInput, job: RegressionJob): void {
  const d = job.params.features;
  if (input.x.length !== input.y.length) throw new InvalidArgumentError("y", `has ${input.y.length} labels for ${input.x.length} rows`);
  input.x.forEach((row, i) => {
    if (row.length !== d) throw new InvalidArgumentError(`x[${i}]`, `has ${row.length} features, the job expects ${d}`);
  });
  if (job.protocol === "logreg-step" && input.y.some((v) => v !== 0 && v !== 1)) throw new InvalidArgumentError("y", "logistic regression labels must be 0 or 1");
}

export async function secureRegression(s: Session, job: RegressionJob, input: RowsInput | null) {
  const d = job.params.features;
  if (input) checkRows(input, job);
  const xs: Shared[] = [];
  const ys: Shared[] = [];
  for (const owner of job.inputs) {
    const mine = s.id === owner && input ? [...encodeFixed(input.x.flat(), "x"), ...encodeFixed(input.y, "y")] : null;
    const share = await s.input(owner, mine);
    if (share.length % (d + 1) !== 0) throw new InvalidArgumentError(`input of party ${owner}`, `does not hold whole rows of ${d} features`);
    const rows = share.length / (d + 1);
    xs.push(share.slice(0, rows * d));
    ys.push(share.slice(rows * d));
  }
  const x = xs.flat();
  const y = ys.flat();
  const n = y.length;
  if (n === 0) throw new InvalidArgumentError("x", "no party provided any row");
  const xT = transpose(x, n, d);
  let w = s.constant(encodeFixed(job.params.weights ?? new Array<number>(d).fill(0), "weights"));
  for (let step = 0; step < job.params.steps; step++) {
    const z1 = await s.matmulFixed(x, w, n, d, 1);
    const pred = job.protocol === "logreg-step" ? await sigmoidPiecewise(s, z1) : z1;
    const grad = await s.matmulFixed(xT, s.sub(pred, y), d, n, 1);
    w = s.sub(w, await s.mulPublicReal(grad, job.params.lr / n));
  }
  const out = await s.revealTo(w, job.outputTo);
  return out && { weights: decodeFixed(out, s.fixed), rows: n };
}

/** The same computation in plaintext (reference for tests; the sigmoid is the same piecewise one). */
export function plainRegression(x: number[][], y: number[], w0: number[], lr: number, steps: number, logistic: boolean): number[] {
  let w = [...w0];
  const n = y.length;
  for (let t = 0; t < steps; t++) {
    const err = x.map((row, i) => {
      const z = row.reduce((acc, v, j) => acc + v * w[j]!, 0);
      return (logistic ? (z < -0.5 ? 0 : z > 0.5 ? 1 : z + 0.5) : z) - y[i]!;
    });
    w = w.map((wj, j) => wj - (lr / n) * x.reduce((acc, row, i) => acc + row[j]! * err[i]!, 0));
  }
  return w;
}
