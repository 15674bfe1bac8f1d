/**
 * Whole-graph helpers for graph surgery (surgery.ts): the element type of every tensor, as far as it can be read or
 * cheaply inferred, and dropping what no graph output needs any more.
 */
import type { onnx as pb } from 'onnx-proto';
import { T } from './onnx-model';

type Graph = pb.IGraphProto;
type NodeP = pb.INodeProto;

/** A node's inputs and outputs (empty when absent). */
export const ins = (n: NodeP): string[] => n.input ?? [];
export const outs = (n: NodeP): string[] => n.output ?? [];

/** Element type of every tensor whose type can be read or cheaply inferred (enough to tell float from quantized). */
export function inferTypes(g: Graph): Map<string, number> {
  const types = new Map<string, number>();
  for (const t of g.initializer ?? []) types.set(t.name ?? '', t.dataType ?? 0);
  for (const v of [...(g.input ?? []), ...(g.valueInfo ?? []), ...(g.output ?? [])]) {
    const e = v.type?.tensorType?.elemType;
    if (e) types.set(v.name ?? '', e);
  }
  const attr = (n: NodeP, name: string): pb.IAttributeProto | undefined => n.attribute?.find((a) => a.name === name);
  const of = (name: string | undefined): number | undefined => (name ? types.get(name) : undefined);
  for (const n of g.node ?? []) {
    const first = ins(n)
      .map((i) => of(i))
      .find((t) => t !== undefined);
    const rule = (k: number): number | undefined => {
      switch (n.opType) {
        case 'Cast':
          return Number(attr(n, 'to')?.i ?? 0);
        case 'CastLike':
        case 'Where':
          return of(ins(n)[1]);
        case 'Constant':
          return attr(n, 'value')?.t?.dataType ?? (attr(n, 'value_float') ? T.FLOAT : T.INT64);
        case 'ConstantOfShape':
          return attr(n, 'value')?.t?.dataType ?? T.FLOAT;
        case 'Shape':
        case 'Size':
        case 'NonZero':
        case 'ArgMax':
        case 'ArgMin':
          return T.INT64;
        case 'Equal':
        case 'Less':
        case 'Greater':
        case 'LessOrEqual':
        case 'GreaterOrEqual':
        case 'Not':
        case 'And':
        case 'Or':
        case 'Xor':
        case 'IsNaN':
        case 'IsInf':
          return T.BOOL;
        case 'DynamicQuantizeLinear':
          return k === 1 ? T.FLOAT : T.UINT8;
        case 'QuantizeLinear':
          return of(ins(n)[2]) ?? T.UINT8;
        case 'DequantizeLinear':
          return of(ins(n)[1]);
        case 'MatMulInteger':
        case 'ConvInteger':
          return T.INT32;
        case 'TopK':
          return k === 1 ? T.INT64 : first;
        default:
          return first;
      }
    };
    outs(n).forEach((o, k) => {
      const t = types.has(o) ? undefined : rule(k);
      if (o && t !== undefined) types.set(o, t);
    });
  }
  return types;
}

/** Keeps only nodes that feed a graph output, and the initializers, inputs and value infos they still use. */
export function pruneDead(g: Graph): void {
  const live = new Set((g.output ?? []).map((o) => o.name ?? ''));
  // Nodes inside If/Loop bodies may read outer tensors by name: count those reads as uses (over-approximation).
  const subgraphInputs = (n: NodeP): string[] =>
    (n.attribute ?? [])
      .flatMap((a) => [...(a.g ? [a.g] : []), ...(a.graphs ?? [])])
      .flatMap((sg) => (sg.node ?? []).flatMap((m) => [...ins(m), ...subgraphInputs(m)]));
  const kept: NodeP[] = [];
  const nodes = g.node ?? [];
  for (let k = nodes.length - 1; k >= 0; k--) {
    const n = nodes[k];
    if (!n || !outs(n).some((o) => live.has(o))) continue;
    kept.push(n);
    for (const i of [...ins(n), ...subgraphInputs(n)]) live.add(i);
  }
  g.node = kept.reverse();
  const removed = new Set((g.initializer ?? []).filter((t) => !live.has(t.name ?? '')).map((t) => t.name ?? ''));
  g.initializer = (g.initializer ?? []).filter((t) => !removed.has(t.name ?? ''));
  // Old IR versions list initializers among the inputs too; those go with their initializer.
  g.input = (g.input ?? []).filter((v) => !removed.has(v.name ?? ''));
  const produced = new Set([
    ...g.node.flatMap(outs),
    ...g.input.map((v) => v.name ?? ''),
    ...g.initializer.map((t) => t.name ?? ''),
  ]);
  g.valueInfo = (g.valueInfo ?? []).filter((v) => produced.has(v.name ?? ''));
}
