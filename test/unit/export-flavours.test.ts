/**
 * The int8 and fp16 fixture graphs are built as the hub's exporters write them (see tools/fixtures/quantize.ts):
 * wav2vec2 int8 with uint8 ConvInteger convolutions and per-channel 7-bit uint8 MatMul weights, RoBERTa int8 with
 * per-channel 7-bit int8 weights and uint8 embedding tables behind DequantizeLinear, fp16 with fp32 inputs and outputs
 * behind Casts. Checked on tiny graphs built here from the fp32 fixture's seed: node types, storage types, that
 * onnxruntime-node runs them close to the fp32 graph, and that surgery and the layer-weight reader work on them.
 */
import type { onnx as pb } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { cosine } from '../vectors';
import { readWav2vec2Layers, WeightReader } from '../../src/runtime/layer-weights';
import { decode, describeModel, graphOf, T, tensorValues } from '../../src/runtime/onnx-model';
import { editModel, type SurgeryPlan } from '../../src/runtime/surgery';
import type { GraphVariant } from '../../tools/fixtures/onnx-builder';
import { qRange, quantize, roundHalfEven, scaleZeroPoint } from '../../tools/fixtures/quantize';
import { buildRobertaOnnx, robertaTinyDims } from '../../tools/fixtures/roberta';
import { buildWav2vec2Onnx, WAV2VEC2_TINY } from '../../tools/fixtures/wav2vec2';

type Kind = 'wav2vec2' | 'roberta';
const built = new Map<string, Uint8Array>();
function graph(kind: Kind, variant: GraphVariant): Uint8Array {
  const key = `${kind}:${JSON.stringify(variant)}`;
  let bytes = built.get(key);
  if (bytes === undefined) {
    bytes =
      kind === 'wav2vec2' ? buildWav2vec2Onnx(WAV2VEC2_TINY, variant) : buildRobertaOnnx(robertaTinyDims(), variant);
    built.set(key, bytes);
  }
  return bytes;
}

/** Nodes and initializers of a graph, by op type and by name. */
function parts(bytes: Uint8Array): { nodes: pb.INodeProto[]; inits: Map<string, pb.ITensorProto> } {
  const g = graphOf(decode(bytes));
  return { nodes: g.node ?? [], inits: new Map((g.initializer ?? []).map((t) => [t.name ?? '', t])) };
}
const ofType = (nodes: readonly pb.INodeProto[], op: string): pb.INodeProto[] => nodes.filter((n) => n.opType === op);
const input = (n: pb.INodeProto, k: number): string => n.input?.[k] ?? '';
function init(inits: ReadonlyMap<string, pb.ITensorProto>, name: string): pb.ITensorProto {
  const t = inits.get(name);
  if (t === undefined) throw new Error(`no initializer ${name}`);
  return t;
}
const values = (t: pb.ITensorProto): Float32Array => tensorValues(t).data;

const SAMPLES = 16000;
const AUDIO = Float32Array.from(
  { length: SAMPLES },
  (_, i) => 0.4 * Math.sin(0.003 * i * (1 + i / SAMPLES)) + 0.05 * Math.sin(0.05 * i),
);
const IDS = [0n, 46n, 442n, 326n, 351n, 350n, 301n, 389n, 2n];
const W2V_PLAN: SurgeryPlan = {
  headPrefix: '/lm_head/',
  keepHead: true,
  hiddenOutput: 'hidden_state',
  layer: 0,
  layerScope: '/wav2vec2/encoder/layers.{i}/',
};
const ROBERTA_PLAN: SurgeryPlan = {
  headPrefix: '/lm_head/',
  keepHead: false,
  hiddenOutput: 'last_hidden_state',
  layer: 'head-input',
};

async function run(kind: Kind, bytes: Uint8Array): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes);
  const shape = [1, IDS.length];
  const feeds: Record<string, ort.Tensor> =
    kind === 'wav2vec2'
      ? { input_values: new ort.Tensor('float32', AUDIO, [1, SAMPLES]) }
      : {
          input_ids: new ort.Tensor('int64', BigInt64Array.from(IDS), shape),
          attention_mask: new ort.Tensor(
            'int64',
            BigInt64Array.from(IDS, () => 1n),
            shape,
          ),
        };
  const out = await session.run(feeds);
  return Object.fromEntries(
    Object.entries(out).map(([k, t]) => {
      expect(t.type, k).toBe('float32');
      return [k, t.data as Float32Array];
    }),
  );
}

describe('quantization arithmetic (onnxruntime quantize_dynamic)', () => {
  it.each([
    [2.5, 2],
    [3.5, 4],
    [-2.5, -2],
    [-3.5, -4],
    [2.4, 2],
    [-0.6, -1],
  ])('rounds %d half to even: %d', (v, want) => {
    expect(roundHalfEven(v)).toBe(want);
  });

  it.each([
    // int8 weights: symmetric, 7-bit [-64, 64]: scale = 2 max|w| / 128, zero point 0.
    { t: { type: 'int8', reduceRange: true, symmetric: true }, lo: -1, hi: 0.5, scale: 2 / 128, zp: 0 },
    // uint8 weights: asymmetric, 7-bit [0, 127]: scale = (max - min) / 127, zero point round(-min / scale).
    { t: { type: 'uint8', reduceRange: true, symmetric: false }, lo: -1, hi: 0.5, scale: 1.5 / 127, zp: 85 },
    // Embedding tables: uint8, full range; a range that excludes 0 is widened to include it.
    { t: { type: 'uint8', reduceRange: false, symmetric: false }, lo: 0.5, hi: 2, scale: 2 / 255, zp: 0 },
  ] as const)('$t.type reduce=$t.reduceRange: scale and zero point', ({ t, lo, hi, scale, zp }) => {
    const p = scaleZeroPoint(lo, hi, t);
    expect(p.scale).toBe(Math.fround(scale));
    expect(p.zeroPoint).toBe(zp);
    // The range's ends quantize inside [qmin, qmax] and read back within half a step.
    const [qmin, qmax] = qRange(t);
    const q = quantize(Float32Array.of(lo, hi), t);
    expect(q.scale[0]).toBe(p.scale);
    [lo, hi].forEach((v, i) => {
      const qi = q.values[i] ?? 0;
      expect(qi).toBeGreaterThanOrEqual(qmin);
      expect(qi).toBeLessThanOrEqual(qmax);
      expect(Math.abs((qi - p.zeroPoint) * p.scale - v)).toBeLessThanOrEqual(p.scale * 0.5001);
    });
  });
});

/** Data for the node-type checks: what the fp32 graph has, what the int8 one must have instead. */
describe.each([
  { kind: 'wav2vec2' as const, weightType: T.UINT8, qmin: 0, qmax: 127, symmetric: false },
  { kind: 'roberta' as const, weightType: T.INT8, qmin: -64, qmax: 64, symmetric: true },
])('$kind int8 export', ({ kind, weightType, qmin, qmax, symmetric }) => {
  const fp32 = (): ReturnType<typeof parts> => parts(graph(kind, {}));
  const q8 = (): ReturnType<typeof parts> => parts(graph(kind, { quantize: true }));

  it('replaces every Conv by ConvInteger and every weight MatMul by MatMulInteger, keeping the node scopes', () => {
    const f = fp32();
    const q = q8();
    const convs = ofType(f.nodes, 'Conv');
    expect(convs.length).toBe(kind === 'wav2vec2' ? 8 : 0);
    expect(ofType(q.nodes, 'ConvInteger').map((n) => n.name)).toEqual(convs.map((n) => `${n.name ?? ''}_quant`));
    expect(ofType(q.nodes, 'Conv')).toEqual([]);
    const weightMatMuls = ofType(f.nodes, 'MatMul').filter((n) => f.inits.has(input(n, 1)));
    expect(weightMatMuls.length).toBeGreaterThan(0);
    expect(ofType(q.nodes, 'MatMulInteger').map((n) => n.name)).toEqual(
      weightMatMuls.map((n) => `${n.name ?? ''}_quant`),
    );
    // Activation products (attention scores) stay float, as MatMulConstBOnly leaves them.
    expect(ofType(q.nodes, 'MatMul').every((n) => !q.inits.has(input(n, 1)))).toBe(true);
    expect(describeModel(graph(kind, { quantize: true })).outputs).toEqual(describeModel(graph(kind, {})).outputs);
  });

  it('stores integer weights in the exporter type and range, per column for MatMul and per tensor for Conv', () => {
    const { nodes, inits } = q8();
    for (const n of [...ofType(nodes, 'MatMulInteger'), ...ofType(nodes, 'ConvInteger')]) {
      const w = init(inits, input(n, 1));
      const zero = init(inits, input(n, 3));
      const scale = init(inits, input(n, 1).replace(/_quantized$/, '_scale'));
      expect([w.dataType, zero.dataType, scale.dataType], n.name ?? '').toEqual([weightType, weightType, T.FLOAT]);
      const channels = n.opType === 'MatMulInteger' ? Number(w.dims?.[1]) : 1;
      expect(values(scale).length, n.name ?? '').toBe(channels);
      expect(values(zero).length).toBe(channels);
      const q = values(w);
      expect(Math.min(...q)).toBeGreaterThanOrEqual(qmin);
      expect(Math.max(...q)).toBeLessThanOrEqual(qmax);
      // Random weights fill the range: 7-bit, not 8-bit, is what was asked for.
      expect(Math.max(...q) - Math.min(...q)).toBeGreaterThan((qmax - qmin) * 0.75);
      if (symmetric) expect(values(zero).every((z) => z === 0)).toBe(true);
    }
  });

  it('dequantized weights are the fp32 ones within half a quantization step', () => {
    const f = fp32();
    const q = q8();
    const fpWeights = [...ofType(f.nodes, 'MatMul'), ...ofType(f.nodes, 'Conv')].filter((n) =>
      f.inits.has(input(n, 1)),
    );
    for (const n of [...ofType(q.nodes, 'MatMulInteger'), ...ofType(q.nodes, 'ConvInteger')]) {
      const original = fpWeights.find((m) => `${m.name ?? ''}_quant` === n.name);
      if (original === undefined) throw new Error(`no float twin for ${n.name ?? ''}`);
      const want = values(init(f.inits, input(original, 1)));
      const w = values(init(q.inits, input(n, 1)));
      const zero = values(init(q.inits, input(n, 3)));
      const scale = values(init(q.inits, input(n, 1).replace(/_quantized$/, '_scale')));
      const channels = scale.length;
      for (let i = 0; i < w.length; i++) {
        const c = i % channels;
        const got = ((w[i] ?? 0) - (zero[c] ?? 0)) * (scale[c] ?? 0);
        expect(Math.abs(got - (want[i] ?? 0)), `${n.name ?? ''}[${i}]`).toBeLessThanOrEqual((scale[c] ?? 0) * 0.5001);
      }
    }
  });

  it('keeps no float matrix: only biases and norms stay float (where the file size goes)', () => {
    const { inits } = q8();
    const floatMatrices = [...inits.values()].filter(
      (t) => (t.dataType === T.FLOAT || t.dataType === T.FLOAT16) && (t.dims?.length ?? 0) >= 2,
    );
    expect(floatMatrices.map((t) => t.name)).toEqual([]);
    const bytes = (t: pb.ITensorProto): number => t.rawData?.byteLength ?? 0;
    const all = [...inits.values()].reduce((s, t) => s + bytes(t), 0);
    const ints = [...inits.values()].filter((t) => t.dataType === T.UINT8 || t.dataType === T.INT8);
    expect(ints.reduce((s, t) => s + bytes(t), 0) / all).toBeGreaterThan(kind === 'wav2vec2' ? 0.5 : 0.75);
  });

  it('runs in onnxruntime-node close to the fp32 graph of the same seed', async () => {
    const ref = await run(kind, graph(kind, {}));
    const got = await run(kind, graph(kind, { quantize: true }));
    const c = cosine(got.logits ?? new Float32Array(), ref.logits ?? new Float32Array());
    expect(c).toBeGreaterThan(0.97);
    // Not the fp32 graph under another name.
    expect(c).toBeLessThan(1 - 1e-7);
  });
});

describe('roberta int8 embeddings', () => {
  it('gathers from uint8 tables and dequantizes the rows; the tied decoder reads the same table', () => {
    const { nodes, inits } = parts(graph('roberta', { quantize: true }));
    const gathers = ofType(nodes, 'Gather').filter((n) => inits.has(input(n, 0)));
    expect(gathers.map((n) => n.name).sort()).toEqual(
      [
        '/roberta/embeddings/position_embeddings/Gather',
        '/roberta/embeddings/token_type_embeddings/Gather',
        '/roberta/embeddings/word_embeddings/Gather',
      ].sort(),
    );
    const readers = new Map<string, pb.INodeProto[]>();
    for (const n of nodes) for (const i of n.input ?? []) readers.set(i, [...(readers.get(i) ?? []), n]);
    for (const g of gathers) {
      expect(init(inits, input(g, 0)).dataType).toBe(T.UINT8);
      expect((readers.get(g.output?.[0] ?? '') ?? []).map((n) => n.opType)).toEqual(['DequantizeLinear']);
    }
    const word = input(gathers.find((g) => (g.name ?? '').includes('word')) ?? {}, 0);
    const transpose = nodes.find((n) => n.name === '/lm_head/decoder/Transpose');
    expect(transpose?.input).toEqual([word]);
    expect((readers.get(transpose?.output?.[0] ?? '') ?? []).map((n) => n.opType)).toEqual(['DequantizeLinear']);
    const float = values(init(parts(graph('roberta', {})).inits, 'roberta.embeddings.word_embeddings.weight'));
    const q = values(init(inits, word));
    const [scale = 0] = values(init(inits, 'roberta.embeddings.word_embeddings.weight_scale'));
    const [zero = 0] = values(init(inits, 'roberta.embeddings.word_embeddings.weight_zero_point'));
    for (let i = 0; i < q.length; i++)
      expect(Math.abs(((q[i] ?? 0) - zero) * scale - (float[i] ?? 0))).toBeLessThanOrEqual(scale * 0.5001);
  });
});

describe.each(['wav2vec2', 'roberta'] as const)('%s fp16 export', (kind) => {
  it('holds float16 weights behind float32 inputs and outputs (Cast nodes), as keep_io_types writes it', () => {
    const bytes = graph(kind, { float16: true });
    expect(describeModel(bytes).inputs).toEqual(describeModel(graph(kind, {})).inputs);
    expect(describeModel(bytes).outputs).toEqual(describeModel(graph(kind, {})).outputs);
    const { nodes, inits } = parts(bytes);
    const floats = [...inits.values()].filter((t) => t.dataType === T.FLOAT || t.dataType === T.FLOAT16);
    expect(floats.length).toBeGreaterThan(0);
    expect(floats.filter((t) => t.dataType !== T.FLOAT16).map((t) => t.name)).toEqual([]);
    const cast = (name: string): number => Number(nodes.find((n) => n.name === name)?.attribute?.[0]?.i ?? -1);
    if (kind === 'wav2vec2') expect(cast('graph_input_cast0')).toBe(T.FLOAT16);
    expect(nodes.find((n) => n.output?.includes('logits'))?.opType).toBe('Cast');
    expect(cast('graph_output_cast0')).toBe(T.FLOAT);
  });

  it('runs in onnxruntime-node close to the fp32 graph of the same seed', async () => {
    const ref = await run(kind, graph(kind, {}));
    const got = await run(kind, graph(kind, { float16: true }));
    expect(cosine(got.logits ?? new Float32Array(), ref.logits ?? new Float32Array())).toBeGreaterThan(0.999);
  });
});

describe.each([
  { name: 'int8', variant: { quantize: true }, minCosine: 0.97 },
  { name: 'fp16', variant: { float16: true }, minCosine: 0.999 },
] as const)('surgery and the layer-weight reader on the $name exports', ({ variant, minCosine }) => {
  it.each([
    ['wav2vec2', W2V_PLAN, 'hidden_state'],
    ['wav2vec2', { ...W2V_PLAN, layer: 'head-input' as const }, 'hidden_state'],
    ['roberta', ROBERTA_PLAN, 'last_hidden_state'],
  ] as const)('%s: %j exposes the tensor of the fp32 graph', async (kind, plan, output) => {
    const edited = editModel(graph(kind, variant), plan);
    const got = await run(kind, edited);
    const ref = await run(kind, editModel(graph(kind, {}), plan));
    expect(Object.keys(got).sort()).toEqual(Object.keys(ref).sort());
    expect(cosine(got[output] ?? new Float32Array(), ref[output] ?? new Float32Array())).toBeGreaterThan(minCosine);
    if (!plan.keepHead) {
      const names = graphOf(decode(edited)).node?.map((n) => n.name ?? '') ?? [];
      expect(names.filter((n) => n.startsWith('/lm_head/'))).toEqual([]);
    }
  });

  it('reads wav2vec2 layer 1 and lm_head back as the fp32 weights', () => {
    const want = readWav2vec2Layers(new WeightReader(graph('wav2vec2', {})), W2V_PLAN.layerScope ?? '', [1]);
    const reader = new WeightReader(graph('wav2vec2', variant));
    const got = readWav2vec2Layers(reader, W2V_PLAN.layerScope ?? '', [1]);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    const pairs = Object.entries(want).map(([k, w]) => [k, w, got[k]] as const);
    const lm = new WeightReader(graph('wav2vec2', {})).linear('/lm_head/');
    const lmGot = reader.linear('/lm_head/');
    pairs.push(['lm_head.weight', lm.weight, lmGot.weight], ['lm_head.bias', lm.bias, lmGot.bias]);
    for (const [name, w, g] of pairs) {
      if (g === undefined) throw new Error(name);
      expect(g.shape, name).toEqual(w.shape);
      const maxAbs = w.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      // fp16: the real exports read back within 5e-4; int8: half a 7-bit uint8 step, at most max|w| / 127. Vectors
      // (biases, norms) stay float in an int8 export.
      const tol = 'float16' in variant ? 5e-4 : w.shape.length === 1 ? 0 : maxAbs / 127;
      let diff = 0;
      for (let i = 0; i < w.data.length; i++) diff = Math.max(diff, Math.abs((g.data[i] ?? 0) - (w.data[i] ?? 0)));
      expect(diff, name).toBeLessThanOrEqual(tol * 1.0001);
    }
  });
});
