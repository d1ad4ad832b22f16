// `llmos dp query --dataset X --query q.json`: one DP release, debited from the dataset's budget.
import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "../../errors/index.ts";
import { runDpQuery } from "../../privacy/dp/index.ts";
import { localOperator, textReader, withKernel } from "../../security/index.ts";
import { parseFlags } from "../args.ts";
import type { Command } from "../command.ts";
import { DP_COMMON_FLAGS, dpDataDir, localUser, withDpStore } from "./dp-dataset.ts";

export const dpQueryCommand: Command = {
  path: ["dp", "query"],
  summary: "Run a differentially private query (count, sum, mean, variance, histogram, quantile) on a dataset",
  usage: [
    "llmos dp query --dataset ID --query q.json [--user NAME] [--tenant T] [--data-dir D] [--json]",
    '  q.json: {"type":"mean","column":"age","bounds":[0,100],"epsilon":0.5,"max_rows_per_user":1,"group_by":["region"],"keys":[["north"]]}',
  ].join("\n"),
  async run(argv, ctx) {
    const { values } = parseFlags(argv, { ...DP_COMMON_FLAGS, dataset: { type: "string" }, query: { type: "string" }, user: { type: "string" } }, false);
    if (!values.dataset) throw new InvalidArgumentError("--dataset", "is required");
    if (!values.query) throw new InvalidArgumentError("--query", "is required (a JSON file)");
    let query: unknown;
    try {
      query = JSON.parse(readFileSync(values.query, "utf8"));
    } catch (cause) {
      throw new InvalidArgumentError("--query", `'${values.query}' is not a readable JSON file`, { cause });
    }
    const dataDir = dpDataDir(values["data-dir"]);
    // The security kernel opens datasets sealed at rest and records the release on the audit ledger.
    const result = await withKernel(dataDir, (k) => {
      const r = withDpStore(dataDir, (s) => runDpQuery(s, { tenant: values.tenant, dataset: values.dataset!, user: values.user ?? localUser(), query, readText: textReader(k.cipher) }));
      k.ledger.append({
        who: localOperator().id, action: "dp.release", resource: `dataset:${values.dataset}`, tenant: values.tenant, decision: "allow",
        epsilon: r.epsilon_spent, detail: { release: r.release_id, type: r.type, delta: r.delta_spent },
      });
      return r;
    });
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    }
    for (const a of result.answers) {
      const key = a.key ? `${Object.values(a.key).join("/")}: ` : a.quantile !== undefined ? `q${a.quantile}: ` : "";
      const ci = a.ci95 ? ` 95% CI [${a.ci95[0]}, ${a.ci95[1]}]` : "";
      ctx.stdout.write(`${key}${a.value}${ci}  (${a.mechanism}, scale ${a.noise_scale}, ε ${a.epsilon}, δ ${a.delta})\n`);
    }
    ctx.stdout.write(`spent ε=${result.epsilon_spent}, δ=${result.delta_spent}; left ε=${result.budget_remaining.epsilon}, δ=${result.budget_remaining.delta}\n`);
    return 0;
  },
};
