// One shared llama.cpp instance per process (node-llama-cpp), created lazily.
// CPU by default so results are the same on every machine; LLMOS_GPU=auto|cuda|vulkan opts in.
import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";

let shared: Promise<Llama> | undefined;

export function sharedLlama(): Promise<Llama> {
  if (!shared) {
    const env = process.env.LLMOS_GPU;
    const gpu = env === "auto" || env === "cuda" || env === "vulkan" ? env : false;
    // build: "never" — only the prebuilt binaries shipped in the npm package; nothing is downloaded or compiled.
    shared = getLlama({ gpu, build: "never", logLevel: LlamaLogLevel.error, progressLogs: false });
  }
  return shared;
}
