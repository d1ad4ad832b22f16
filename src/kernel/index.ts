export { DEFAULT_MODEL_FILE, defaultConfig, type KernelConfig } from "./config.ts";
export { Kernel, type ModelTarget } from "./kernel.ts";
