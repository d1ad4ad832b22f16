// GGUF: reading any GGUF file, writing GGUF v3 (f32, f16, q8_0), and the llama export used to serve native models on llama.cpp.
export type {
  GgufFile, GgufMetadataValue, GgufScalarType, GgufTensorInfo, GgufTensorInput, GgufTensorType,
} from "./types.ts";
export { ggmlTypeName, FILE_TYPE_CODES, TENSOR_TYPE_CODES } from "./types.ts";
export { writeGguf } from "./writer.ts";
export { readGguf, readTensorF32 } from "./reader.ts";
export { f16BitsToF32, f32ToF16Bits } from "./f16.ts";
export { dequantizeQ8_0, quantizeQ8_0 } from "./q8_0.ts";
export { exportLlamaGguf, llamaMetadata, loadLlamaGguf, type GgufVocab } from "./llama.ts";
export { describeGguf } from "./describe.ts";
