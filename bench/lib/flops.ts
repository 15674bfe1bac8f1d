/**
 * FLOP count of an ONNX graph at given input sizes (case 5): static shapes are propagated node by node from the
 * graph inputs (named dimensions bound by the caller) and the initializers, so the count follows the graph that
 * actually runs, whatever its export spelled, rather than an architecture formula that could drift from it.
 *
 * Dense work is 2 x multiply-adds: MatMul / MatMulInteger [.., M, K] x [.., K, N] = 2 M K N per batch item, Gemm
 * likewise, Conv 2 x Cout x Cin/groups x kernel x output positions. Everything else that computes (adds, GELU, norms,
 * softmax, quantization) is tallied apart as one op per output element: a floor for Erf, softmax and the norms, and
 * never part of the GFLOP/s figures, as no matmul peak bounds it. Only nodes a graph output depends on count.
 */
import type { onnx as pb } from 'onnx-proto';
import { graphOf } from '../../src/runtime/onnx-model';

/** What one pass of a graph computes. */
export interface FlopCount {
  /** Float MatMul, Gemm and Conv FLOPs. */
  readonly denseFloat: number;
  /** MatMulInteger / ConvInteger ops (int8 x int8 into int32), counted like FLOPs. */
  readonly denseInt: number;
  /** Output elements of the other computing nodes (one op each). */
  readonly elementwise: number;
  /** Dense FLOPs by kind: "Conv", "Conv (grouped)", "MatMul (weights)", "MatMul (activations)" (attention), ... */
  readonly byKind: Readonly<Record<string, number>>;
}

type Shape = readonly number[];

/** Ops that only move, view or relabel data: no arithmetic counted. */
const MOVES = new Set([
  'Reshape',
  'Transpose',
  'Unsqueeze',
  'Squeeze',
  'Slice',
  'Gather',
  'Concat',
  'Shape',
  'Constant',
  'ConstantOfShape',
  'Identity',
  'Expand',
  'Cast',
  'Flatten',
  'Dropout',
]);
/** Ops whose (first) output has the shape of their first input. */
const SAME_SHAPE = new Set([
  'Erf',
  'Sqrt',
  'Relu',
  'Tanh',
  'Sigmoid',
  'Exp',
  'Log',
  'Neg',
  'Abs',
  'Reciprocal',
  'Not',
  'Cast',
  'Identity',
  'Softmax',
  'LogSoftmax',
  'LayerNormalization',
  'InstanceNormalization',
  'BatchNormalization',
  'Dropout',
  'CumSum',
  'Gelu',
  'FastGelu',
  'QuantizeLinear',
  'DequantizeLinear',
  'DynamicQuantizeLinear',
  'Floor',
  'Ceil',
  'Round',
  'Clip',
  'IsNaN',
  'IsInf',
]);
const BROADCAST = new Set([
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Equal',
  'Less',
  'Greater',
  'LessOrEqual',
  'GreaterOrEqual',
  'And',
  'Or',
  'Xor',
  'Where',
  'Max',
  'Min',
  'Mod',
  'PRelu',
]);
const REDUCE = new Set([
  'ReduceMean',
  'ReduceSum',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceL2',
  'ReduceSumSquare',
]);
/** Shape arithmetic followed on integer values (exports compute Reshape targets from Shape). */
const INT_ARITHMETIC: Readonly<Record<string, (a: number, b: number) => number>> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => Math.trunc(a / b),
};
/** Integer tensors this small have their values followed (Reshape targets, Slice bounds, axes). */
const MAX_VALUES = 64;

const prod = (s: Shape): number => s.reduce((a, b) => a * b, 1);
const num = (v: unknown): number => Number(v);

function broadcast(shapes: readonly Shape[], where: string): Shape {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    const dims = shapes.map((s) => s[s.length - rank + i] ?? 1).filter((d) => d !== 1);
    const d = dims[0] ?? 1;
    if (dims.some((x) => x !== d))
      throw new Error(`flops: shapes ${shapes.map((s) => `[${s.join(',')}]`).join(' ')} do not broadcast at ${where}`);
    return d;
  });
}

/** Values of a small integer tensor (int64 / int32), else null. */
function intValues(t: pb.ITensorProto): number[] | null {
  const size = prod((t.dims ?? []).map(num));
  if (size > MAX_VALUES || (t.dataType !== 7 && t.dataType !== 6)) return null;
  const raw = t.rawData && t.rawData.byteLength > 0 ? new Uint8Array(t.rawData) : null;
  if (raw === null) return (t.dataType === 7 ? (t.int64Data ?? []) : (t.int32Data ?? [])).map(num);
  return t.dataType === 7
    ? Array.from(new BigInt64Array(raw.buffer, 0, size), num)
    : Array.from(new Int32Array(raw.buffer, 0, size));
}

/** Sizes of one Conv / ConvInteger output and its dense FLOPs. */
function conv(
  x: Shape,
  w: Shape,
  attr: (n: string) => pb.IAttributeProto | undefined,
  name: string,
): { out: Shape; flops: number; groups: number } {
  const spatial = x.slice(2);
  const kernel = w.slice(2);
  const ints = (n: string, fill: number, len: number): number[] =>
    attr(n)?.ints?.map(num) ?? Array<number>(len).fill(fill);
  const strides = ints('strides', 1, spatial.length);
  const dil = ints('dilations', 1, spatial.length);
  const pads = ints('pads', 0, 2 * spatial.length);
  const autoPad = new TextDecoder().decode(attr('auto_pad')?.s ?? new Uint8Array());
  const groups = num(attr('group')?.i ?? 1) || 1;
  const outSpatial = spatial.map((len, i) => {
    const s = strides[i] ?? 1;
    if (autoPad.startsWith('SAME')) return Math.ceil(len / s);
    const padded = autoPad === 'VALID' ? len : len + (pads[i] ?? 0) + (pads[i + spatial.length] ?? 0);
    return Math.floor((padded - (dil[i] ?? 1) * ((kernel[i] ?? 1) - 1) - 1) / s) + 1;
  });
  const [n = 1, cin = 1] = x;
  const [cout = 1, perGroup = 1] = w;
  if (perGroup * groups !== cin)
    throw new Error(`flops: ${name} takes ${perGroup} x ${groups} channels but gets ${cin}`);
  return { out: [n, cout, ...outSpatial], flops: 2 * n * cout * perGroup * prod(kernel) * prod(outSpatial), groups };
}

/** MatMul output shape and dense FLOPs, with numpy's rank-1 and batch-broadcast rules. */
function matmul(a0: Shape, b0: Shape, name: string): { out: Shape; flops: number } {
  const a = a0.length === 1 ? [1, ...a0] : a0;
  const b = b0.length === 1 ? [...b0, 1] : b0;
  const [m = 1, k = 1] = a.slice(-2);
  const [k2 = 1, n = 1] = b.slice(-2);
  if (k !== k2) throw new Error(`flops: ${name} multiplies [${a0.join(',')}] by [${b0.join(',')}]`);
  const batch = broadcast([a.slice(0, -2), b.slice(0, -2)], name);
  const out = [...batch, ...(a0.length === 1 ? [] : [m]), ...(b0.length === 1 ? [] : [n])];
  return { out, flops: 2 * prod(batch) * m * k * n };
}

/**
 * Counts one pass of `model` with its named input dimensions bound by `dims` (e.g. `{ batch_size: 1,
 * sequence_length: 160000 }`).
 * @throws Error for an op without a shape rule here, a dimension left unbound, or shapes that do not fit.
 */
export function countFlops(model: pb.ModelProto, dims: Readonly<Record<string, number>>): FlopCount {
  const g = graphOf(model);
  const shapes = new Map<string, Shape>();
  const values = new Map<string, number[]>();
  for (const t of g.initializer ?? []) {
    shapes.set(t.name ?? '', (t.dims ?? []).map(num));
    const v = intValues(t);
    if (v !== null) values.set(t.name ?? '', v);
  }
  for (const v of g.input ?? []) {
    if (shapes.has(v.name ?? '')) continue;
    shapes.set(
      v.name ?? '',
      (v.type?.tensorType?.shape?.dim ?? []).map((d) => {
        if (d.dimParam) {
          const bound = dims[d.dimParam];
          if (bound === undefined)
            throw new Error(`flops: input "${v.name ?? ''}" has dimension "${d.dimParam}"; bind it`);
          return bound;
        }
        return num(d.dimValue ?? 0);
      }),
    );
  }
  // Only what some output needs runs (and counts): walk back from the outputs.
  const nodes = g.node ?? [];
  const producer = new Map(nodes.flatMap((n) => (n.output ?? []).map((o) => [o, n] as const)));
  const live = new Set<pb.INodeProto>();
  const stack = (g.output ?? []).map((o) => o.name ?? '');
  for (let t = stack.pop(); t !== undefined; t = stack.pop()) {
    const n = producer.get(t);
    if (n && !live.has(n)) {
      live.add(n);
      stack.push(...(n.input ?? []).filter((i) => i !== ''));
    }
  }

  // Tensors computed from weights and constants only (a folded weight transpose, say).
  const constant = new Set((g.initializer ?? []).map((t) => t.name ?? ''));
  let denseFloat = 0;
  let denseInt = 0;
  let elementwise = 0;
  const byKind: Record<string, number> = {};
  for (const n of nodes) {
    if (!live.has(n)) continue;
    const op = n.opType ?? '';
    const name = `${op} "${n.name ?? ''}"`;
    const attr = (a: string): pb.IAttributeProto | undefined => n.attribute?.find((x) => x.name === a);
    const inName = (i: number): string => n.input?.[i] ?? '';
    const shapeIn = (i: number): Shape => {
      const s = shapes.get(inName(i));
      if (s === undefined) throw new Error(`flops: no shape for input ${i} ("${inName(i)}") of ${name}`);
      return s;
    };
    const valueIn = (i: number): number[] | undefined => (inName(i) === '' ? undefined : values.get(inName(i)));
    const axesOf = (i: number): number[] | undefined => valueIn(i) ?? attr('axes')?.ints?.map(num);
    const dense = (kind: string, flops: number, int: boolean): void => {
      if (int) denseInt += flops;
      else denseFloat += flops;
      byKind[kind] = (byKind[kind] ?? 0) + flops;
    };
    let out: Shape;
    let value: number[] | undefined;
    if (op === 'Constant') {
      const t = attr('value')?.t;
      const ints = attr('value_ints')?.ints;
      out = t ? (t.dims ?? []).map(num) : ints ? [ints.length] : [];
      value = t
        ? (intValues(t) ?? undefined)
        : ints
          ? ints.map(num)
          : attr('value_int')
            ? [num(attr('value_int')?.i)]
            : undefined;
    } else if (op === 'MatMul' || op === 'MatMulInteger') {
      const m = matmul(shapeIn(0), shapeIn(1), name);
      out = m.out;
      // A constant right operand is a layer's weights; two activations multiplied are attention (scores, context).
      dense(`${op} (${constant.has(inName(1)) ? 'weights' : 'activations'})`, m.flops, op === 'MatMulInteger');
    } else if (op === 'Gemm') {
      const [a0 = 1, a1 = 1] = shapeIn(0);
      const [b0 = 1, b1 = 1] = shapeIn(1);
      const [m, k] = num(attr('transA')?.i ?? 0) === 1 ? [a1, a0] : [a0, a1];
      const nOut = num(attr('transB')?.i ?? 0) === 1 ? b0 : b1;
      out = [m, nOut];
      dense('Gemm', 2 * m * k * nOut, false);
      if (inName(2) !== '') elementwise += m * nOut;
    } else if (op === 'Conv' || op === 'ConvInteger') {
      const c = conv(shapeIn(0), shapeIn(1), attr, name);
      out = c.out;
      dense(c.groups > 1 ? `${op} (grouped)` : op, c.flops, op === 'ConvInteger');
      if (op === 'Conv' && inName(2) !== '') elementwise += prod(out);
    } else if (SAME_SHAPE.has(op)) {
      out = shapeIn(0);
      if (op === 'Cast' || op === 'Identity') value = valueIn(0);
    } else if (BROADCAST.has(op)) {
      out = broadcast(
        (n.input ?? []).map((_, i) => shapeIn(i)),
        name,
      );
      const [a, b] = [valueIn(0), valueIn(1)];
      const f = INT_ARITHMETIC[op];
      if (a && b && f && (a.length === b.length || b.length === 1))
        value = a.map((x, i) => f(x, b[b.length === 1 ? 0 : i] ?? 0));
    } else if (REDUCE.has(op)) {
      const x = shapeIn(0);
      const axes = (axesOf(1) ?? x.map((_, i) => i)).map((a) => (a < 0 ? a + x.length : a));
      const keep = num(attr('keepdims')?.i ?? 1) === 1;
      out = x.flatMap((d, i) => (!axes.includes(i) ? [d] : keep ? [1] : []));
      elementwise += prod(x);
    } else if (op === 'Transpose') {
      const x = shapeIn(0);
      const perm = attr('perm')?.ints?.map(num) ?? x.map((_, i) => x.length - 1 - i);
      out = perm.map((p) => x[p] ?? 1);
    } else if (op === 'Reshape') {
      const x = shapeIn(0);
      const target = valueIn(1);
      if (target === undefined) throw new Error(`flops: the target shape of ${name} is not a constant`);
      const fixed = target.map((d, i) => (d === 0 && num(attr('allowzero')?.i ?? 0) === 0 ? (x[i] ?? 0) : d));
      const known = prod(fixed.filter((d) => d !== -1));
      out = fixed.map((d) => (d === -1 ? prod(x) / known : d));
    } else if (op === 'Unsqueeze' || op === 'Squeeze') {
      const x = shapeIn(0);
      const axes = axesOf(1);
      if (op === 'Unsqueeze') {
        const rank = x.length + (axes?.length ?? 0);
        const at = (axes ?? []).map((a) => (a < 0 ? a + rank : a));
        const rest = [...x];
        out = Array.from({ length: rank }, (_, i) => (at.includes(i) ? 1 : (rest.shift() ?? 1)));
      } else {
        const at = axes?.map((a) => (a < 0 ? a + x.length : a));
        out = x.filter((d, i) => (at ? !at.includes(i) : d !== 1));
      }
      value = valueIn(0);
    } else if (op === 'Slice') {
      const x = shapeIn(0);
      const [starts, ends] = [valueIn(1), valueIn(2)];
      if (starts === undefined || ends === undefined) throw new Error(`flops: the bounds of ${name} are not constants`);
      const axes = valueIn(3) ?? starts.map((_, i) => i);
      const next = [...x];
      axes.forEach((a0, j) => {
        const a = a0 < 0 ? a0 + x.length : a0;
        const dim = x[a] ?? 0;
        const step = valueIn(4)?.[j] ?? 1;
        const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v < 0 ? v + dim : v));
        const [s, e] =
          step > 0
            ? [clamp(starts[j] ?? 0, 0, dim), clamp(ends[j] ?? dim, 0, dim)]
            : [clamp(starts[j] ?? 0, 0, dim - 1), clamp(ends[j] ?? -1, -1, dim - 1)];
        next[a] = Math.max(0, Math.ceil((e - s) / step));
        // Shape arithmetic (a dimension sliced out of Shape's value) keeps its value, for the Slice bounds after it.
        const data = valueIn(0);
        if (data && x.length === 1) value = Array.from({ length: next[a] ?? 0 }, (_, i) => data[s + i * step] ?? 0);
      });
      out = next;
    } else if (op === 'Gather') {
      const x = shapeIn(0);
      const axis0 = num(attr('axis')?.i ?? 0);
      const axis = axis0 < 0 ? axis0 + x.length : axis0;
      out = [...x.slice(0, axis), ...shapeIn(1), ...x.slice(axis + 1)];
      const [data, idx] = [valueIn(0), valueIn(1)];
      if (data && idx && x.length === 1) value = idx.map((i) => data[i < 0 ? i + data.length : i] ?? 0);
    } else if (op === 'Concat') {
      const parts = (n.input ?? []).map((_, i) => shapeIn(i));
      const first = parts[0] ?? [];
      const axis0 = num(attr('axis')?.i ?? 0);
      const axis = axis0 < 0 ? axis0 + first.length : axis0;
      out = first.map((d, i) => (i === axis ? parts.reduce((s, p) => s + (p[i] ?? 0), 0) : d));
      const vs = (n.input ?? []).map((_, i) => valueIn(i));
      if (vs.every((v) => v !== undefined)) value = vs.flat();
    } else if (op === 'Shape') {
      value = [...shapeIn(0)];
      out = [value.length];
    } else if (op === 'ConstantOfShape' || op === 'Expand') {
      const target = valueIn(op === 'Expand' ? 1 : 0);
      if (target === undefined) throw new Error(`flops: the shape of ${name} is not a constant`);
      out = op === 'Expand' ? broadcast([shapeIn(0), target], name) : target;
    } else {
      throw new Error(`flops: no shape rule for ${name}`);
    }
    if (!MOVES.has(op) && !REDUCE.has(op) && !['MatMul', 'MatMulInteger', 'Gemm', 'Conv', 'ConvInteger'].includes(op))
      elementwise += prod(out);
    const isConstant = (n.input ?? []).every((i) => i === '' || constant.has(i));
    (n.output ?? []).forEach((o, k) => {
      if (isConstant) constant.add(o);
      // DynamicQuantizeLinear's scale and zero point (outputs 1, 2) are scalars.
      shapes.set(o, k > 0 && op === 'DynamicQuantizeLinear' ? [] : out);
      if (k === 0 && value !== undefined && value.length <= MAX_VALUES) values.set(o, value);
    });
  }
  return { denseFloat, denseInt, elementwise, byKind };
}
