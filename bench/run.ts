// `npm run bench -- <name>`: runs bench/<name>.ts and writes its result to bench/results/<name>.json.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";

const name = process.argv[2];
const here = new URL(".", import.meta.url);
const available = (await readdir(here)).filter((f) => f.endsWith(".ts") && f !== "run.ts").map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <name>   (available: ${available.join(", ")})\n`);
  process.exit(2);
}
const mod = (await import(new URL(`./${name}.ts`, here).href)) as { run(args: string[]): Promise<Record<string, unknown>> };
const started = new Date();
const result = await mod.run(process.argv.slice(3));
const record = {
  benchmark: name,
  date: started.toISOString(),
  machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, node: process.version },
  ...result,
};
await mkdir(new URL("results/", here), { recursive: true });
const out = new URL(`results/${name}.json`, here);
await writeFile(out, `${JSON.stringify(record, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(record, null, 2)}\n→ ${out.pathname}\n`);
process.exit(0);
