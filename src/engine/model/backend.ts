// Selects the tfjs WebAssembly backend (XNNPACK kernels) once per process; every entry point that
// touches tensors awaits initBackend() first. Threads stay off: tfjs disables them under Node.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

let ready: Promise<void> | undefined;

export function initBackend(): Promise<void> {
  ready ??= (async () => {
    const ok = await tf.setBackend("wasm");
    if (!ok) throw new Error("the tfjs wasm backend failed to initialise");
    await tf.ready();
  })();
  return ready;
}
