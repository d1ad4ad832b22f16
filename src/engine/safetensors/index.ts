// Public surface of the safetensors reader/writer (F32 and I32 tensors, string metadata).
export { decodeSafetensors, encodeSafetensors, type SafeTensor, type SafetensorsFile } from "./format.ts";
export { float32Tensors, readSafetensors, writeSafetensors } from "./io.ts";
