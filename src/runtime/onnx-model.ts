/**
 * Reading ONNX files with onnx-proto (the official onnx.proto schema, generated with protobufjs): decoding,
 * describing inputs/outputs, reading initializers. Shared by graph surgery, tests and diagnostics.
 */
import onnxProto from 'onnx-proto';
import type { onnx as pb } from 'onnx-proto';
import { AppError } from '../core/errors';
import { halvesToFloats } from '../core/half';

// onnx-proto is CommonJS without named-export hints: Node's ESM loader only sees a default export.
export const { onnx } = onnxProto;

/** A graph input or output as onnxruntime reports it. */
export interface TensorSpec {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly (number | string)[];
}

/** ONNX TensorProto element types used here. */
export const T = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  BFLOAT16: 16,
} as const;
export const DTYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

/** Decodes an ONNX file; a damaged file is a 'bad-model' error. */
export function decode(bytes: Uint8Array): pb.ModelProto {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new AppError('bad-model', 'The model file is not a valid ONNX protobuf (truncated or not a model).', {
      cause: err,
    });
  }
}

/** The model's graph, which a valid model always has. */
export function graphOf(model: pb.ModelProto): pb.IGraphProto {
  if (!model.graph) throw new AppError('bad-model', 'The ONNX model has no graph.');
  return model.graph;
}

/** A decoded dimension: its name, its size, or `fallback` (decoded oneof members read as ''/0 when unset). */
export const dimOf = (d: pb.TensorShapeProto.IDimension, fallback: string): number | string =>
  d.dimParam ? d.dimParam : Number(d.dimValue ?? 0) > 0 ? Number(d.dimValue) : fallback;

function spec(v: pb.IValueInfoProto): TensorSpec {
  const t = v.type?.tensorType;
  const shape = (t?.shape?.dim ?? []).map((d) => dimOf(d, '?'));
  return { name: v.name ?? '', dtype: DTYPE_NAMES[t?.elemType ?? 0] ?? `type-${t?.elemType ?? 0}`, shape };
}

/** Inputs, outputs, default-domain opset and sizes of a model, for checks and diagnostics. */
export function describeModel(bytes: Uint8Array): {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  opset: number;
  nodes: number;
  initializers: number;
} {
  const model = decode(bytes);
  const g = graphOf(model);
  const opset = Number(model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0);
  return {
    inputs: (g.input ?? []).filter((v) => !(g.initializer ?? []).some((t) => t.name === v.name)).map(spec),
    outputs: (g.output ?? []).map(spec),
    opset,
    nodes: g.node?.length ?? 0,
    initializers: g.initializer?.length ?? 0,
  };
}

/**
 * The values of an initializer as float32, whatever its storage: float32, float16, or int8/uint8 (their integer
 * values, e.g. quantized weights before dequantization).
 * @throws AppError('bad-model') for external data, another element type, or a size that does not fit the shape.
 */
export function tensorValues(t: pb.ITensorProto): { dims: number[]; data: Float32Array } {
  const name = t.name ?? '';
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new AppError('bad-model', `Initializer "${name}" is stored in an external file, which is not supported.`);
  }
  const dims = (t.dims ?? []).map(Number);
  const size = dims.reduce((a, b) => a * b, 1);
  // rawData is a view into the file at an arbitrary offset: copy to an aligned buffer before reinterpreting it.
  const raw = t.rawData && t.rawData.byteLength > 0 ? new Uint8Array(t.rawData) : null;
  let data: Float32Array;
  switch (t.dataType) {
    case T.FLOAT:
      data = raw ? new Float32Array(raw.buffer, 0, raw.byteLength / 4) : Float32Array.from(t.floatData ?? []);
      break;
    case T.FLOAT16:
      data = halvesToFloats(
        raw ? new Uint16Array(raw.buffer, 0, raw.byteLength / 2) : Uint16Array.from(t.int32Data ?? []),
      );
      break;
    case T.INT8:
      data = Float32Array.from(raw ? new Int8Array(raw.buffer) : (t.int32Data ?? []));
      break;
    case T.UINT8:
      data = Float32Array.from(raw ?? t.int32Data ?? []);
      break;
    default:
      throw new AppError(
        'bad-model',
        `Initializer "${name}" is ${DTYPE_NAMES[t.dataType ?? 0] ?? 'of an unknown type'}, which cannot be read as numbers here.`,
      );
  }
  if (data.length !== size) {
    throw new AppError(
      'bad-model',
      `Initializer "${name}" holds ${data.length} values but its shape [${dims.join(', ')}] needs ${size}.`,
    );
  }
  return { dims, data };
}

/** Reads an fp32 or fp16 initializer as float32 (for tests and for recomputing a cut-off head). */
export function readInitializer(bytes: Uint8Array, name: string): { dims: number[]; data: Float32Array } {
  const g = graphOf(decode(bytes));
  const t = g.initializer?.find((x) => x.name === name);
  if (!t) throw new AppError('bad-model', `The model has no initializer "${name}".`);
  if (t.dataType !== T.FLOAT && t.dataType !== T.FLOAT16) {
    throw new AppError(
      'bad-model',
      `Initializer "${name}" is ${DTYPE_NAMES[t.dataType ?? 0] ?? 'of an unknown type'}, not float32 or float16.`,
    );
  }
  return tensorValues(t);
}
