/**
 * Bench experiment (profile case): 1-D convolutions spelled as strided slices + one MatMul (im2col in ONNX ops).
 * onnxruntime-web's Conv micro-benchmark runs at about 14 GFLOP/s here against 31 for a MatMul, so wav2vec2's
 * feature encoder (49 GFLOP of plain convolutions per 10 s) looked like a target. Measured on the full graph it is
 * not one: onnxruntime's Conv is already im2col + the same GEMM, the pass got no faster in the browser (3166 -> 3311
 * ms fp32, 2109 -> 2319 ms int8, 2026-11-26), so the app's graph surgery does not apply it. Kept so the profile
 * case shows the result on every run. Only convolutions the rewrite reproduces exactly are touched: 3-D float32
 * weight stored in the file, group 1, no padding, dilation 1.
 */
import type { onnx as pb } from 'onnx-proto';
import { graphOf, decode, onnx, T, tensorValues } from '../../src/runtime/onnx-model';

type NodeP = pb.INodeProto;
const INT = onnx.AttributeProto.AttributeType.INT;
const INTS = onnx.AttributeProto.AttributeType.INTS;

const attrOf = (n: NodeP, name: string): pb.IAttributeProto | undefined => n.attribute?.find((a) => a.name === name);
const intsOf = (n: NodeP, name: string): number[] => (attrOf(n, name)?.ints ?? []).map(Number);

/** Kernel size and stride of a Conv the rewrite can reproduce exactly, or null. */
function rewritable(n: NodeP, weights: ReadonlyMap<string, pb.ITensorProto>): { k: number; stride: number } | null {
  if (n.opType !== 'Conv' || (n.domain ?? '') !== '') return null;
  const w = weights.get(n.input?.[1] ?? '');
  if (w?.dataType !== T.FLOAT || w.dims?.length !== 3 || w.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)
    return null;
  const autoPad = attrOf(n, 'auto_pad')?.s;
  const padMode = autoPad ? new TextDecoder().decode(autoPad) : 'NOTSET';
  if (padMode !== 'NOTSET' && padMode !== 'VALID') return null;
  if (Number(attrOf(n, 'group')?.i ?? 1) !== 1) return null;
  if (intsOf(n, 'pads').some((p) => p !== 0) || intsOf(n, 'dilations').some((d) => d !== 1)) return null;
  const k = Number(w.dims[2]);
  const stride = intsOf(n, 'strides')[0] ?? 1;
  return k >= 1 && stride >= 1 ? { k, stride } : null;
}

/** [Cout, Cin, K] -> [K * Cin, Cout] with row j * Cin + c = tap j of input channel c (the Concat order below). */
function im2colWeight(w: pb.ITensorProto, name: string): pb.ITensorProto {
  const { dims, data } = tensorValues(w);
  const [cout = 0, cin = 0, k = 0] = dims;
  const out = new Float32Array(k * cin * cout);
  for (let o = 0; o < cout; o++) {
    for (let c = 0; c < cin; c++) {
      for (let j = 0; j < k; j++) out[(j * cin + c) * cout + o] = data[(o * cin + c) * k + j] ?? 0;
    }
  }
  return onnx.TensorProto.create({
    name,
    dataType: T.FLOAT,
    dims: [k * cin, cout],
    rawData: new Uint8Array(out.buffer),
  });
}

const int64s = (name: string, values: readonly number[]): pb.ITensorProto =>
  onnx.TensorProto.create({ name, dataType: T.INT64, dims: [values.length], int64Data: values.map((v) => v) });

/**
 * Replaces every rewritable Conv of the graph in place and returns how many were replaced. Node names keep the
 * Conv's scope (`<conv name>/im2col/...`), so scope-based surgery and profiles still attribute them to the layer.
 */
export function rewriteConvs(g: pb.IGraphProto): number {
  const weights = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const uses = new Map<string, number>();
  for (const n of g.node ?? []) for (const i of n.input ?? []) uses.set(i, (uses.get(i) ?? 0) + 1);
  const added: pb.ITensorProto[] = [];
  const nodes: NodeP[] = [];
  let count = 0;
  for (const n of g.node ?? []) {
    const shape = rewritable(n, weights);
    if (shape === null) {
      nodes.push(n);
      continue;
    }
    count++;
    const [x = '', wName = '', bias] = n.input ?? [];
    const y = n.output?.[0] ?? '';
    const p = `${n.name ?? `conv_${count}`}/im2col/`;
    const node = (
      op: string,
      inputs: string[],
      attrs: pb.IAttributeProto[] = [],
      out = `${p}${op}_${nodes.length}`,
    ): string => {
      nodes.push(
        onnx.NodeProto.create({
          name: `${p}${op}_${nodes.length}`,
          opType: op,
          input: inputs,
          output: [out],
          attribute: attrs,
        }),
      );
      return out;
    };
    const constant = (suffix: string, values: readonly number[]): string => {
      added.push(int64s(`${p}${suffix}`, values));
      return `${p}${suffix}`;
    };
    const { k, stride } = shape;
    const perm = (out?: string): string[] => [
      node('Transpose', [out ?? x], [{ name: 'perm', type: INTS, ints: [0, 2, 1] }]),
    ];
    const [xt = ''] = perm();
    let cols = xt;
    if (k > 1 || stride > 1) {
      // Output frames: floor((T - K) / stride) + 1; slice j covers frames j, j + stride, ... so all K slices are that
      // long.
      const t = node('Slice', [node('Shape', [x]), constant('two', [2]), constant('three', [3])]);
      const steps = node('Div', [node('Sub', [t, constant('k', [k])]), constant('stride', [stride])]);
      const span = node('Add', [node('Mul', [steps, constant('stride', [stride])]), constant('one', [1])]);
      const axis = constant('axis', [1]);
      const step = constant('stride', [stride]);
      const taps = Array.from({ length: k }, (_, j) =>
        node('Slice', [
          xt,
          constant(`start${j}`, [j]),
          j === 0 ? span : node('Add', [span, constant(`start${j}`, [j])]),
          axis,
          step,
        ]),
      );
      cols = k === 1 ? (taps[0] ?? xt) : node('Concat', taps, [{ name: 'axis', type: INT, i: 2 }]);
    }
    const w = weights.get(wName);
    if (!w) throw new Error(`unreachable: weight ${wName} was checked by rewritable()`);
    const wCols = im2colWeight(w, `${p}weight`);
    added.push(wCols);
    let out = node('MatMul', [cols, wCols.name ?? '']);
    if (bias) out = node('Add', [out, bias]);
    node('Transpose', [out], [{ name: 'perm', type: INTS, ints: [0, 2, 1] }], y);
    uses.set(wName, (uses.get(wName) ?? 1) - 1);
  }
  if (count === 0) return 0;
  // Constants of the same name (the same slice bounds) are declared once; the old weights go when nothing else reads
  // them.
  const seen = new Set<string>();
  const unique = added.filter((t) => !seen.has(t.name ?? '') && seen.add(t.name ?? ''));
  const gone = new Set(
    (g.initializer ?? []).filter((t) => (uses.get(t.name ?? '') ?? 0) <= 0).map((t) => t.name ?? ''),
  );
  g.node = nodes;
  g.initializer = [...(g.initializer ?? []).filter((t) => !gone.has(t.name ?? '')), ...unique];
  // Old IR versions list initializers among the graph inputs too: a removed weight must not become a required input.
  g.input = (g.input ?? []).filter((v) => !gone.has(v.name ?? ''));
  return count;
}

/** {@link rewriteConvs} on a model file; returns `bytes` itself when nothing was rewritten. */
export function rewriteConvsInModel(bytes: Uint8Array): { bytes: Uint8Array; rewritten: number } {
  const model = decode(bytes);
  const rewritten = rewriteConvs(graphOf(model));
  if (rewritten === 0) return { bytes, rewritten };
  const out = onnx.ModelProto.encode(model).finish();
  return { bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength), rewritten };
}
