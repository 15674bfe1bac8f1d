/**
 * Graph surgery on downloaded ONNX exports: expose a hidden state as an extra graph output and, for encoders whose
 * task head we do not need, cut the head off so its weights are neither stored nor computed. Runs in the browser
 * worker after download and in Node, on fp32, fp16 (Cast-wrapped) and dynamically quantized (MatMulInteger) exports.
 *
 * Heads and layers are found by node-name scope, the way torch.onnx.export names nodes (`/lm_head/MatMul`,
 * `/wav2vec2/encoder/layers.3/...`), so the same plan works whichever way an exporter spelled the ops inside.
 */
import type { onnx as pb } from 'onnx-proto';
import { AppError } from '../core/errors';
import { decode, dimOf, graphOf, onnx, T } from './onnx-model';
import { inferTypes, ins, outs, pruneDead } from './onnx-graph';
type Graph = pb.IGraphProto;
type NodeP = pb.INodeProto;

/** How to edit one model (stored in the manifest). */
export interface SurgeryPlan {
  /** Name prefix of the LM head's nodes, e.g. '/lm_head/'. */
  readonly headPrefix: string;
  /** Keep the head and its original outputs (wav2vec2 needs its CTC logits) or drop it (RoBERTa). */
  readonly keepHead: boolean;
  /** Name of the added graph output carrying the hidden state. */
  readonly hiddenOutput: string;
  /** 'head-input' = the tensor entering the head (last hidden state); a number = 0-based transformer layer output. */
  readonly layer: 'head-input' | number;
  /** Scope of layer i with `{i}` placeholder, e.g. '/wav2vec2/encoder/layers.{i}/'. Needed when layer is a number. */
  readonly layerScope?: string;
}

const FLOATS: ReadonlySet<number> = new Set([T.FLOAT, T.FLOAT16, T.DOUBLE, T.BFLOAT16]);
/** Ops between a float activation and the head that change only its encoding (quantization, casts). */
const PASS_THROUGH: ReadonlySet<string> = new Set(['DynamicQuantizeLinear', 'QuantizeLinear', 'Cast', 'Identity']);

const bad = (message: string): AppError => new AppError('bad-model', message);
const nameOf = (n: NodeP): string => n.name ?? '';

/** Lookup tables over one graph. */
interface Index {
  readonly g: Graph;
  readonly nodes: readonly NodeP[];
  readonly producer: ReadonlyMap<string, NodeP>;
  readonly consumers: ReadonlyMap<string, readonly NodeP[]>;
  readonly initializers: ReadonlyMap<string, pb.ITensorProto>;
  /** Tensors computed from weights and constants only (folded weight transposes and the like). */
  readonly constant: ReadonlySet<string>;
  readonly types: ReadonlyMap<string, number>;
}

function indexGraph(g: Graph): Index {
  const nodes = g.node ?? [];
  const producer = new Map<string, NodeP>();
  const consumers = new Map<string, NodeP[]>();
  const initializers = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const constant = new Set(initializers.keys());
  for (const n of nodes) {
    for (const i of ins(n)) {
      if (!i) continue;
      const list = consumers.get(i);
      if (list) list.push(n);
      else consumers.set(i, [n]);
    }
    const isConst = ins(n).every((i) => i === '' || constant.has(i));
    for (const o of outs(n)) {
      producer.set(o, n);
      if (isConst) constant.add(o);
    }
  }
  return { g, nodes, producer, consumers, initializers, constant, types: inferTypes(g) };
}

const isFloat = (ix: Index, t: string): boolean => FLOATS.has(ix.types.get(t) ?? 0);

/** Follows quantize/cast/identity nodes outside `inside` back to the float tensor they encode. */
function resolveEncoding(ix: Index, tensor: string, inside: ReadonlySet<NodeP>): string {
  let t = tensor;
  for (let p = ix.producer.get(t); p && PASS_THROUGH.has(p.opType ?? '') && !inside.has(p); p = ix.producer.get(t))
    t = ins(p)[0] ?? t;
  return t;
}

interface Head {
  readonly nodes: ReadonlySet<NodeP>;
  /** The float tensor entering the head. */
  readonly input: string;
}

function findHead(ix: Index, prefix: string): Head {
  const nodes = new Set(ix.nodes.filter((n) => nameOf(n).startsWith(prefix)));
  if (nodes.size === 0) return traceHead(ix, prefix);
  const candidates = new Set<string>();
  for (const n of nodes) {
    for (const i of ins(n)) {
      const p = ix.producer.get(i);
      if (!i || ix.constant.has(i) || (p && nodes.has(p))) continue;
      const t = resolveEncoding(ix, i, nodes);
      if (!ix.constant.has(t) && isFloat(ix, t)) candidates.add(t);
    }
  }
  if (candidates.size !== 1) {
    const found = candidates.size === 0 ? 'none' : [...candidates].join(', ');
    throw bad(
      `Cannot tell which tensor enters the head "${prefix}" (${nodes.size} nodes): ` +
        `expected one float activation from outside it, found ${found}.`,
    );
  }
  return { nodes, input: [...candidates][0] ?? '' };
}

/** Fallback for exports without scoped names: walk back from the first output through a Linear (+ quantization). */
function traceHead(ix: Index, prefix: string): Head {
  const out = ix.g.output?.[0]?.name ?? '';
  const nodes = new Set<NodeP>();
  const fail = (why: string): never => {
    throw bad(
      `Cannot find the head: no node name starts with "${prefix}", ` +
        `and the first output "${out}" is not produced by a Linear layer (${why}).`,
    );
  };
  const dynamic = (n: NodeP): string[] => ins(n).filter((i) => i !== '' && !ix.constant.has(i));
  let t = out;
  for (;;) {
    const n = ix.producer.get(t);
    if (!n) return fail(`"${t}" has no producing node`);
    nodes.add(n);
    const op = n.opType ?? '';
    const live = dynamic(n);
    if (op === 'MatMul' || op === 'MatMulInteger') {
      const [x = '', w = ''] = ins(n);
      if (ix.constant.has(x) || !ix.constant.has(w))
        return fail(`${op} "${nameOf(n)}" does not multiply an activation by a weight`);
      return { nodes, input: resolveEncoding(ix, x, nodes) };
    }
    if (op === 'Cast' || op === 'Add' || op === 'DynamicQuantizeLinear') {
      if (live.length !== 1) return fail(`${op} "${nameOf(n)}" has ${live.length} non-constant inputs`);
      t = live[0] ?? '';
    } else if (op === 'Mul') {
      // onnxruntime's dequantize step: Cast(MatMulInteger(...)) * (input scale * weight scale).
      const next = live.find((i) => ix.producer.get(i)?.opType === 'Cast');
      if (next === undefined) return fail(`Mul "${nameOf(n)}" is not a dequantization`);
      t = next;
    } else {
      return fail(`found ${op} "${nameOf(n)}"`);
    }
  }
}

function scopeOf(template: string, i: number): string {
  return template.split('{i}').join(String(i));
}

/** The output of transformer layer `layer`: what the last float-producing node of its scope computes. */
function layerOutput(ix: Index, layer: number, template: string | undefined): string {
  if (template?.includes('{i}') !== true)
    throw bad(`Layer ${layer} was asked for, but the plan has no layerScope with "{i}".`);
  const pattern = new RegExp(
    `^${template
      .split('{i}')
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('(\\d+)')}`,
  );
  const found = new Set<number>();
  for (const n of ix.nodes) {
    const m = pattern.exec(nameOf(n));
    if (m?.[1] !== undefined) found.add(Number(m[1]));
  }
  const count = found.size === 0 ? 0 : Math.max(...found) + 1;
  if (count === 0)
    throw bad(
      `Layer ${layer} not found: no node name starts with "${template}" for any {i} (no layers in that scope).`,
    );
  if (!Number.isInteger(layer) || layer < 0 || layer >= count) {
    throw bad(`Layer ${layer} is out of range: the model has ${count} layers (0-${count - 1}) under "${template}".`);
  }
  const scope = scopeOf(template, layer);
  for (let k = ix.nodes.length - 1; k >= 0; k--) {
    const n = ix.nodes[k];
    // A DynamicQuantizeLinear is named after the tensor it quantizes, so it carries the producer's scope and comes
    // after it: skip it (and anything else that does not yield a float activation).
    if (!n || !nameOf(n).startsWith(scope) || PASS_THROUGH.has(n.opType ?? '')) continue;
    const o = outs(n)[0];
    if (o && isFloat(ix, o) && !ix.constant.has(o)) return o;
  }
  throw bad(`Layer ${layer}: no node under "${scope}" produces a float tensor.`);
}

/** Width of the hidden state: from a LayerNorm's scale, a Linear reading it, or a bias added to make it. */
function hiddenSize(ix: Index, t: string): number | null {
  const dimsOf = (name: string | undefined): number[] => (ix.initializers.get(name ?? '')?.dims ?? []).map(Number);
  const p = ix.producer.get(t);
  if (p?.opType === 'LayerNormalization') return dimsOf(ins(p)[1]).at(-1) ?? null;
  const direct = ix.consumers.get(t) ?? [];
  const readers = direct.flatMap((c) =>
    c.opType === 'DynamicQuantizeLinear' ? (ix.consumers.get(outs(c)[0] ?? '') ?? []) : [c],
  );
  for (const c of readers) {
    const d = dimsOf(ins(c)[1]);
    if ((c.opType === 'MatMul' || c.opType === 'MatMulInteger') && d.length === 2) return d[0] ?? null;
  }
  if (p?.opType === 'Add') for (const i of ins(p)) if (dimsOf(i).length === 1) return dimsOf(i)[0] ?? null;
  return null;
}

const dimProto = (d: number | string): pb.TensorShapeProto.IDimension =>
  typeof d === 'number' ? { dimValue: d } : { dimParam: d };
/**
 * Applies `plan` to an ONNX model and returns the new file. Adds the float32 output `plan.hiddenOutput`
 * [batch, frames or tokens, hidden]; with `keepHead: false` also removes the head, the outputs depending on it, and
 * every node and initializer left unused. Returns `bytes` itself when the output already exists (already edited).
 * Throws AppError('bad-model') when the head or layer cannot be found.
 */
export function editModel(bytes: Uint8Array, plan: SurgeryPlan): Uint8Array {
  const model = decode(bytes);
  const g = graphOf(model);
  if ((g.output ?? []).some((o) => o.name === plan.hiddenOutput)) return bytes;
  const ix = indexGraph(g);
  const taken = ix.producer.has(plan.hiddenOutput) || ix.initializers.has(plan.hiddenOutput);
  if (taken || (g.input ?? []).some((v) => v.name === plan.hiddenOutput)) {
    throw bad(`Cannot add output "${plan.hiddenOutput}": the model already has a tensor of that name.`);
  }
  const head = plan.layer === 'head-input' || !plan.keepHead ? findHead(ix, plan.headPrefix) : null;
  const hidden = plan.layer === 'head-input' ? (head?.input ?? '') : layerOutput(ix, plan.layer, plan.layerScope);
  const firstOut = g.output?.[0]?.type?.tensorType?.shape?.dim ?? [];
  // Batch and time axes are named like the first output's (logits [batch_size, frames, vocab]).
  const lead = ['batch_size', 'sequence_length'].map((name, k) => {
    const d = firstOut.length >= 2 ? firstOut[k] : undefined;
    return d ? dimOf(d, name) : name;
  });
  const width = hiddenSize(ix, hidden);

  if (head && !plan.keepHead) {
    // Outputs computed from the head (including a Cast after it in fp16 exports) go with it.
    const tainted = new Set([...head.nodes].flatMap(outs));
    for (const n of ix.nodes) if (ins(n).some((i) => tainted.has(i))) for (const o of outs(n)) tainted.add(o);
    g.output = (g.output ?? []).filter((o) => !tainted.has(o.name ?? ''));
    g.node = ix.nodes.filter((n) => !head.nodes.has(n));
  }
  // fp16 exports compute in fp16 inside; the exposed output is always float32 (an unknown type gets a harmless Cast).
  const toFloat = ix.types.get(hidden) !== T.FLOAT;
  g.node = [
    ...(g.node ?? []),
    onnx.NodeProto.create({
      name: `surgery_${plan.hiddenOutput}`,
      opType: toFloat ? 'Cast' : 'Identity',
      input: [hidden],
      output: [plan.hiddenOutput],
      attribute: toFloat ? [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT }] : [],
    }),
  ];
  const shape = { dim: [...lead, width ?? 'hidden_size'].map(dimProto) };
  const output = onnx.ValueInfoProto.fromObject({
    name: plan.hiddenOutput,
    type: { tensorType: { elemType: T.FLOAT, shape } },
  });
  g.output = [...(g.output ?? []), output];
  if (!plan.keepHead) pruneDead(g);
  const out = onnx.ModelProto.encode(model).finish();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * A graph `editModel` edited by `from`, edited by `to` instead, without the original file: the output `from` added
 * (and the node computing it) comes out, then `to` is applied. Moving the cut of an encoder that keeps its head (its
 * graph holds every weight still) thus costs no second download of the file. Null when `from` removed its head (the
 * pruned weights cannot come back) or `bytes` was not edited by `from`.
 */
export function recutModel(bytes: Uint8Array, from: SurgeryPlan, to: SurgeryPlan): Uint8Array | null {
  if (!from.keepHead) return null;
  const model = decode(bytes);
  const g = graphOf(model);
  const added = `surgery_${from.hiddenOutput}`;
  const node = (g.node ?? []).find((n) => nameOf(n) === added);
  if (node === undefined || !(g.output ?? []).some((o) => o.name === from.hiddenOutput)) return null;
  g.node = (g.node ?? []).filter((n) => n !== node);
  g.output = (g.output ?? []).filter((o) => o.name !== from.hiddenOutput);
  const out = onnx.ModelProto.encode(model).finish();
  return editModel(new Uint8Array(out.buffer, out.byteOffset, out.byteLength), to);
}
