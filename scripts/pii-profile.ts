// Steady-state CPU profile of the analyzer on the evaluation texts (after a warm-up), written as a
// self-time table (ms per function) to the path given, for speed work: pii-profile.ts out.json [passes]
import { Session } from "node:inspector/promises";
import { writeFileSync } from "node:fs";
import { loadDataset } from "./eval-pii.ts";
import { Analyzer } from "../src/privacy/pii/index.ts";

const { texts } = loadDataset();
const a = new Analyzer();
for (let r = 0; r < 30; r++) for (const t of texts) a.analyze(t);
const s = new Session();
s.connect();
await s.post("Profiler.enable");
await s.post("Profiler.start");
const passes = Number(process.argv[3] ?? 200);
for (let r = 0; r < passes; r++) for (const t of texts) a.analyze(t);
const { profile } = await s.post("Profiler.stop");
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const ms = new Map<string, number>();
profile.samples!.forEach((id, i) => {
  const f = byId.get(id)!.callFrame;
  const k = `${f.functionName.slice(0, 60)} ${f.url.split("/").pop()}`;
  ms.set(k, (ms.get(k) ?? 0) + profile.timeDeltas![i]! / 1000);
});
writeFileSync(process.argv[2] ?? "profile.json", JSON.stringify([...ms]));
