import { loadDataset } from "./eval-pii.ts";
import { Analyzer } from "../src/privacy/pii/index.ts";
const { texts } = loadDataset();
const a = new Analyzer();
for (let r = 0; r < 200; r++) for (const t of texts) a.analyze(t);
