// Checking and encoding GGUF metadata values (docs/gguf.md "Standardized key-value pairs" and value types).
import { InvalidArgumentError } from "../../errors/index.ts";
import type { GgufMetadataValue, GgufScalarType } from "./types.ts";
import { VALUE_TYPE_CODES } from "./types.ts";
import type { ByteSink } from "./sink.ts";

const INT_RANGES: Partial<Record<GgufScalarType, [number, number]>> = {
  uint8: [0, 0xff], int8: [-0x80, 0x7f], uint16: [0, 0xffff], int16: [-0x8000, 0x7fff],
  uint32: [0, 0xffffffff], int32: [-0x80000000, 0x7fffffff],
};
const BIG_RANGES: Partial<Record<GgufScalarType, [bigint, bigint]>> = {
  uint64: [0n, 2n ** 64n - 1n], int64: [-(2n ** 63n), 2n ** 63n - 1n],
};

function describe(v: unknown): string {
  return typeof v === "string" ? "a string" : typeof v === "bigint" ? `${v}n` : JSON.stringify(v) ?? typeof v;
}

/** Why `value` does not fit GGUF scalar type `type`, or undefined when it does. */
export function scalarProblem(type: GgufScalarType, value: unknown): string | undefined {
  if (!Object.hasOwn(VALUE_TYPE_CODES, type) || (type as string) === "array") return `unknown GGUF value type ${describe(type)}`;
  const range = INT_RANGES[type];
  if (range) {
    if (typeof value !== "number" || !Number.isInteger(value) || value < range[0] || value > range[1]) {
      return `${type} must be an integer in [${range[0]}, ${range[1]}], got ${describe(value)}`;
    }
    return undefined;
  }
  const big = BIG_RANGES[type];
  if (big) {
    const n = typeof value === "bigint" ? value : typeof value === "number" && Number.isSafeInteger(value) ? BigInt(value) : undefined;
    if (n === undefined || n < big[0] || n > big[1]) return `${type} must be a bigint or safe integer in [${big[0]}, ${big[1]}], got ${describe(value)}`;
    return undefined;
  }
  if ((type === "float32" || type === "float64") && typeof value !== "number") return `${type} must be a number, got ${describe(value)}`;
  if (type === "bool" && typeof value !== "boolean") return `bool must be true or false, got ${describe(value)}`;
  if (type === "string" && typeof value !== "string") return `string value must be a string, got ${describe(value)}`;
  return undefined;
}

/** Checks a whole metadata value (scalars and arrays); arrays of arrays are not part of what ggml reads. */
export function checkMetadataValue(key: string, v: GgufMetadataValue): void {
  const field = `metadata '${key}'`;
  if (typeof v !== "object" || v === null) throw new InvalidArgumentError(field, "must be {type, value}");
  if (v.type === "array") {
    if (!Array.isArray(v.value)) throw new InvalidArgumentError(field, "array value must be an array");
    if ((v.itemType as string) === "array") throw new InvalidArgumentError(field, "arrays of arrays are not supported");
    for (let i = 0; i < v.value.length; i++) {
      const problem = scalarProblem(v.itemType, v.value[i]);
      if (problem) throw new InvalidArgumentError(`${field}[${i}]`, problem);
    }
    return;
  }
  const problem = scalarProblem(v.type, v.value);
  if (problem) throw new InvalidArgumentError(field, problem);
}

export function writeScalar(sink: ByteSink, type: GgufScalarType, value: number | bigint | boolean | string): void {
  switch (type) {
    case "uint8": return sink.u8(value as number);
    case "int8": return sink.i8(value as number);
    case "uint16": return sink.u16(value as number);
    case "int16": return sink.i16(value as number);
    case "uint32": return sink.u32(value as number);
    case "int32": return sink.i32(value as number);
    case "float32": return sink.f32(value as number);
    case "float64": return sink.f64(value as number);
    case "bool": return sink.u8(value ? 1 : 0);
    case "string": return sink.string(value as string);
    case "uint64": return sink.u64(BigInt(value as number | bigint));
    case "int64": return sink.i64(BigInt(value as number | bigint));
  }
}

/** One key-value pair: key string, u32 value type, then the value (arrays: u32 item type, u64 count, items). */
export function writeKeyValue(sink: ByteSink, key: string, v: GgufMetadataValue): void {
  sink.string(key);
  sink.u32(VALUE_TYPE_CODES[v.type]);
  if (v.type === "array") {
    sink.u32(VALUE_TYPE_CODES[v.itemType]);
    sink.u64(BigInt(v.value.length));
    for (const item of v.value) writeScalar(sink, v.itemType, item);
  } else {
    writeScalar(sink, v.type, v.value);
  }
}
