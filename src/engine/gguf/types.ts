// GGUF format constants and public types (ggml-org/ggml docs/gguf.md, version 3).

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml's GGML_MAX_DIMS and GGML_MAX_NAME (names must be shorter, to leave room for a NUL). */
export const GGML_MAX_DIMS = 4;
export const GGML_MAX_NAME = 64;

export type GgufScalarType =
  | "uint8" | "int8" | "uint16" | "int16" | "uint32" | "int32" | "float32" | "bool" | "string" | "uint64" | "int64" | "float64";

/** 64-bit integers read back as bigint; every other number as number. */
export type GgufMetadataValue =
  | { type: GgufScalarType; value: number | bigint | boolean | string }
  | { type: "array"; itemType: GgufScalarType; value: Array<number | bigint | boolean | string> };

/** The tensor types this module can write (and dequantise). */
export type GgufTensorType = "f32" | "f16" | "q8_0";

export interface GgufTensorInput {
  name: string;
  /** Row-major, outermost first, e.g. [out, in] for a linear layer. */
  shape: number[];
  type: GgufTensorType;
  data: Float32Array;
}

export interface GgufTensorInfo {
  name: string;
  /** Row-major, outermost first (the reverse of ggml's ne[]). */
  shape: number[];
  ggmlType: number;
  /** ggml's name for the type ("F32", "Q8_0"…), or "TYPE_<n>" for a number this reader does not know. */
  typeName: string;
  /** Absolute file offset of the first data byte. */
  offset: bigint;
  /** Bytes of tensor data; for an unknown type, the distance to the next tensor (or end of file). */
  byteLength: number;
}

export interface GgufFile {
  path: string;
  version: number;
  metadata: Map<string, GgufMetadataValue>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute file offset of the tensor data section. */
  dataOffset: bigint;
  fileSize: number;
}

/** gguf_type codes of metadata values. */
export const VALUE_TYPE_CODES: Readonly<Record<GgufScalarType | "array", number>> = {
  uint8: 0, int8: 1, uint16: 2, int16: 3, uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9,
  uint64: 10, int64: 11, float64: 12,
};

export const VALUE_TYPE_NAMES: ReadonlyArray<GgufScalarType | "array"> = [
  "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64",
];

/** Bytes of one fixed-size scalar (strings are variable). */
export const SCALAR_SIZES: Readonly<Record<Exclude<GgufScalarType, "string">, number>> = {
  uint8: 1, int8: 1, uint16: 2, int16: 2, uint32: 4, int32: 4, float32: 4, bool: 1, uint64: 8, int64: 8, float64: 8,
};

interface GgmlTypeTraits { name: string; blockSize: number; typeSize: number }

// ggml_type: name, values per block, bytes per block. Checked against the ggml built into
// node-llama-cpp 3.22; numbers 4, 5, 31–33 and 36–38 were removed from ggml and stay unknown.
const GGML_TYPES: ReadonlyMap<number, GgmlTypeTraits> = new Map([
  [0, { name: "F32", blockSize: 1, typeSize: 4 }],
  [1, { name: "F16", blockSize: 1, typeSize: 2 }],
  [2, { name: "Q4_0", blockSize: 32, typeSize: 18 }],
  [3, { name: "Q4_1", blockSize: 32, typeSize: 20 }],
  [6, { name: "Q5_0", blockSize: 32, typeSize: 22 }],
  [7, { name: "Q5_1", blockSize: 32, typeSize: 24 }],
  [8, { name: "Q8_0", blockSize: 32, typeSize: 34 }],
  [9, { name: "Q8_1", blockSize: 32, typeSize: 36 }],
  [10, { name: "Q2_K", blockSize: 256, typeSize: 84 }],
  [11, { name: "Q3_K", blockSize: 256, typeSize: 110 }],
  [12, { name: "Q4_K", blockSize: 256, typeSize: 144 }],
  [13, { name: "Q5_K", blockSize: 256, typeSize: 176 }],
  [14, { name: "Q6_K", blockSize: 256, typeSize: 210 }],
  [15, { name: "Q8_K", blockSize: 256, typeSize: 292 }],
  [16, { name: "IQ2_XXS", blockSize: 256, typeSize: 66 }],
  [17, { name: "IQ2_XS", blockSize: 256, typeSize: 74 }],
  [18, { name: "IQ3_XXS", blockSize: 256, typeSize: 98 }],
  [19, { name: "IQ1_S", blockSize: 256, typeSize: 50 }],
  [20, { name: "IQ4_NL", blockSize: 32, typeSize: 18 }],
  [21, { name: "IQ3_S", blockSize: 256, typeSize: 110 }],
  [22, { name: "IQ2_S", blockSize: 256, typeSize: 82 }],
  [23, { name: "IQ4_XS", blockSize: 256, typeSize: 136 }],
  [24, { name: "I8", blockSize: 1, typeSize: 1 }],
  [25, { name: "I16", blockSize: 1, typeSize: 2 }],
  [26, { name: "I32", blockSize: 1, typeSize: 4 }],
  [27, { name: "I64", blockSize: 1, typeSize: 8 }],
  [28, { name: "F64", blockSize: 1, typeSize: 8 }],
  [29, { name: "IQ1_M", blockSize: 256, typeSize: 56 }],
  [30, { name: "BF16", blockSize: 1, typeSize: 2 }],
  [34, { name: "TQ1_0", blockSize: 256, typeSize: 54 }],
  [35, { name: "TQ2_0", blockSize: 256, typeSize: 66 }],
  [39, { name: "MXFP4", blockSize: 32, typeSize: 17 }],
  [40, { name: "NVFP4", blockSize: 64, typeSize: 36 }],
  [41, { name: "Q1_0", blockSize: 128, typeSize: 18 }],
  [42, { name: "Q2_0", blockSize: 64, typeSize: 18 }],
]);

export function ggmlTypeTraits(code: number): GgmlTypeTraits | undefined {
  return GGML_TYPES.get(code);
}

export function ggmlTypeName(code: number): string {
  return GGML_TYPES.get(code)?.name ?? `TYPE_${code}`;
}

/** The ggml_type code of each writable tensor type. */
export const TENSOR_TYPE_CODES: Readonly<Record<GgufTensorType, number>> = { f32: 0, f16: 1, q8_0: 8 };

/** general.file_type (llama_ftype) of a file whose matrices are all of one type. */
export const FILE_TYPE_CODES: Readonly<Record<GgufTensorType, number>> = { f32: 0, f16: 1, q8_0: 7 };

/** Bytes that `count` elements of a writable type occupy (count must be a whole number of blocks). */
export function tensorByteLength(type: GgufTensorType, count: number): number {
  if (type === "f32") return count * 4;
  if (type === "f16") return count * 2;
  return (count / 32) * 34;
}

export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}
