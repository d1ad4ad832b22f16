// Loads Microsoft SEAL (node-seal 6, WASM) once per process. node-seal 7 fails to load on Node 20.
import SEALModule from "node-seal";
import type { SEALLibrary } from "node-seal/implementation/seal.d.ts";

export type SealLibrary = SEALLibrary;

// node-seal's typings describe an ES default export while Node loads its UMD build, whose
// module.exports is the loader function itself; the cast states what runs.
const SEAL = SEALModule as unknown as () => Promise<SEALLibrary>;

let loading: Promise<SealLibrary> | null = null;

export function loadSeal(): Promise<SealLibrary> {
  loading ??= SEAL();
  return loading;
}
