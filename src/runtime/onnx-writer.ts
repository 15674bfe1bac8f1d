/**
 * A minimal ONNX graph writer for graphs the app builds itself (the emotion head as an onnxruntime graph, see
 * src/inference/head-onnx.ts): float32 initializers, int64/float constants, nodes in call order (which is a
 * topological order by construction), IR 8 with the default-domain opset 17. Initializers are stored as `raw_data`:
 * `float_data` makes protobufjs an order of magnitude slower and hungrier.
 */
import type { onnx as pb } from 'onnx-proto';
import { onnx, T } from './onnx-model';

/** An attribute value: integer, `{ f }` float, or integer list. */
export type OnnxAttr = number | { readonly f: number } | readonly number[];

/** A float32 graph input or output; string dims are symbolic (dynamic). */
export interface OnnxValue {
  readonly name: string;
  readonly dims: readonly (number | string)[];
}

function attribute(name: string, v: OnnxAttr): pb.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: A.INT, i: v };
  if ('f' in v) return { name, type: A.FLOAT, f: v.f };
  return { name, type: A.INTS, ints: [...v] };
}

/** Little-endian bytes of a typed array, without copying (every platform the app runs on is little-endian). */
function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Builds one graph node by node; tensor names are generated unless given. */
export class OnnxWriter {
  private readonly nodes: pb.INodeProto[] = [];
  private readonly initializers: pb.ITensorProto[] = [];
  private readonly constants = new Map<string, string>();
  private count = 0;
  /** Bytes of initializer data so far (protobuf caps a whole model at 2 GiB). */
  bytes = 0;

  /** Adds a node with one output (named `name` when given) and returns that output. */
  node(op: string, inputs: readonly string[], attrs: Record<string, OnnxAttr> = {}, name?: string): string {
    const id = `${op}_${this.count++}`;
    const output = name ?? `${id}_out`;
    const attribute_ = Object.entries(attrs).map(([k, v]) => attribute(k, v));
    this.nodes.push({ name: id, opType: op, input: [...inputs], output: [output], attribute: attribute_ });
    return output;
  }

  /** Adds a float32 initializer (the data is referenced, not copied, until `toBytes`). */
  weight(name: string, dims: readonly number[], data: Float32Array): string {
    this.initializers.push({ name, dims: [...dims], dataType: T.FLOAT, rawData: bytesOf(data) });
    this.bytes += data.byteLength;
    return name;
  }

  /** A float32 constant (scalar when `dims` is []), shared between uses of the same value. */
  floats(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.shared(`f:${dims.join('x')}:${values.join(',')}`, () =>
      this.weight(`const_${this.count++}`, dims, Float32Array.from(values)),
    );
  }

  /** An int64 constant (Reshape shapes, Slice bounds, axes), shared between uses of the same value. */
  ints(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.shared(`i:${dims.join('x')}:${values.join(',')}`, () => {
      const name = `const_${this.count++}`;
      const raw = bytesOf(BigInt64Array.from(values, (v) => BigInt(v)));
      this.initializers.push({ name, dims: [...dims], dataType: T.INT64, rawData: raw });
      return name;
    });
  }

  private shared(key: string, make: () => string): string {
    let name = this.constants.get(key);
    if (name === undefined) {
      name = make();
      this.constants.set(key, name);
    }
    return name;
  }

  /** Serialises the model with float32 inputs and outputs. */
  toBytes(graphName: string, inputs: readonly OnnxValue[], outputs: readonly OnnxValue[]): Uint8Array {
    const float = (v: OnnxValue): GraphValue => ({ ...v, elemType: T.FLOAT });
    return encodeModel('mmer-web', graphName, this.nodes, this.initializers, inputs.map(float), outputs.map(float));
  }
}

/** A graph input or output: its ONNX element type, and dims that are numbers or symbolic (dynamic) names. */
export interface GraphValue {
  readonly name: string;
  readonly elemType: number;
  readonly dims: readonly (number | string)[];
}

/**
 * Serialises a graph as a model: IR 8, default-domain opset 17. One definition for the graphs the app builds and the
 * test fixtures (tools/fixtures/onnx-builder.ts).
 */
export function encodeModel(
  producer: string,
  graphName: string,
  nodes: readonly pb.INodeProto[],
  initializers: readonly pb.ITensorProto[],
  inputs: readonly GraphValue[],
  outputs: readonly GraphValue[],
): Uint8Array {
  const valueInfo = (v: GraphValue): pb.IValueInfoProto => {
    const dim = v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
    return { name: v.name, type: { tensorType: { elemType: v.elemType, shape: { dim } } } };
  };
  const model = onnx.ModelProto.fromObject({
    irVersion: 8,
    producerName: producer,
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: graphName,
      node: [...nodes],
      initializer: [...initializers],
      input: inputs.map(valueInfo),
      output: outputs.map(valueInfo),
    },
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
