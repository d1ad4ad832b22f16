// Every ModelRuntime driver passes the same contract: llama.cpp on the shipped model, the remote driver
// against a second LLMasOS process serving it, and the native engine on a training checkpoint.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after } from "node:test";
import { train } from "../src/engine/train/index.ts";
import { LlamaCppModel, NativeModel, RemoteModel } from "../src/runtime/index.ts";
import { sotuText } from "./helpers/corpus.ts";
import { runtimeContract } from "./helpers/runtime-contract.ts";
import { newAdminKey, serverEnv, startServer, type RunningServer } from "./helpers/server.ts";
import { tempDir } from "./helpers/tmp.ts";

const GGUF = "models/default/model.gguf";
const dir = tempDir();
let upstream: RunningServer | undefined;
after(async () => upstream?.stop());

runtimeContract("llama.cpp", () => LlamaCppModel.load(GGUF, { slots: 2 }));

runtimeContract("remote (LLMasOS upstream)", async () => {
  const key = newAdminKey();
  upstream = await startServer(["--data-dir", join(dir, "upstream")], serverEnv(key));
  return new RemoteModel({ baseUrl: `${upstream.url}/v1`, model: "default", apiKey: key, contextSize: 256 });
});

runtimeContract("native engine (checkpoint)", async () => {
  const data = join(dir, "corpus.txt");
  writeFileSync(data, sotuText(200_000));
  const out = join(dir, "ckpt");
  await train({ data: [data], config: "tiny", out, maxSteps: 30, batchSize: 8, seqLen: 64, lr: 1e-2, warmupSteps: 3, evalEvery: 100, checkpointEvery: 30, seed: 1 });
  return NativeModel.load(out);
});
