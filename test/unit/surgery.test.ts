/**
 * Graph surgery on the fixture graphs in all the export flavours the hub ships (fp32, decomposed LayerNorm,
 * dynamic int8, fp16 behind Casts). The exposed hidden state is checked numerically: recomputing the head in JS
 * from it must give the model's own logits, so picking the wrong tensor cannot pass.
 */
import onnxProto from 'onnx-proto';
import type { onnx as pb } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { cosine } from '../vectors';
import { AppError } from '../../src/core/errors';
import { describeModel, readInitializer } from '../../src/runtime/onnx-model';
import { editModel, recutModel, type SurgeryPlan } from '../../src/runtime/surgery';
import type { GraphVariant } from '../../tools/fixtures/onnx-builder';
import { buildRobertaOnnx, robertaTinyDims } from '../../tools/fixtures/roberta';
import { buildWav2vec2Onnx, WAV2VEC2_TINY, wav2vec2Frames } from '../../tools/fixtures/wav2vec2';

const { onnx } = onnxProto;

/**
 * `headTol`: how close the JS head must come to the logits; `keepTol`: how much an extra output may move the logits.
 */
const VARIANTS: readonly { name: string; variant: GraphVariant; headTol: number | null; keepTol: number }[] = [
  { name: 'fp32', variant: {}, headTol: 1e-4, keepTol: 0 },
  { name: 'decomposed LayerNorm', variant: { decomposeLayerNorm: true }, headTol: 1e-4, keepTol: 0 },
  // fp16 arithmetic inside the model: the JS recomputation in fp32 agrees to fp16 precision only, and exposing a
  // tensor changes which fp16 kernels onnxruntime fuses, so the logits move by a few fp16 ulps.
  { name: 'fp16', variant: { float16: true }, headTol: 3e-2, keepTol: 5e-3 },
  // int8 head weights: no exact fp32 recomputation exists; these rows check the tensor choice another way.
  { name: 'int8 dynamic', variant: { quantize: true }, headTol: null, keepTol: 0 },
];

const built = new Map<string, Uint8Array>();
function model(kind: 'wav2vec2' | 'roberta', variant: GraphVariant): Uint8Array {
  const key = `${kind}:${JSON.stringify(variant)}`;
  let bytes = built.get(key);
  if (!bytes) {
    bytes =
      kind === 'wav2vec2' ? buildWav2vec2Onnx(WAV2VEC2_TINY, variant) : buildRobertaOnnx(robertaTinyDims(), variant);
    built.set(key, bytes);
  }
  return bytes;
}

const W2V_PLAN: SurgeryPlan = {
  headPrefix: '/lm_head/',
  keepHead: true,
  hiddenOutput: 'hidden_state',
  layer: 'head-input',
  layerScope: '/wav2vec2/encoder/layers.{i}/',
};
const ROBERTA_PLAN: SurgeryPlan = {
  headPrefix: '/lm_head/',
  keepHead: false,
  hiddenOutput: 'last_hidden_state',
  layer: 'head-input',
};
const SAMPLES = 16000;
const AUDIO = Float32Array.from(
  { length: SAMPLES },
  (_, i) => 0.4 * Math.sin(0.003 * i * (1 + i / SAMPLES)) + 0.05 * Math.sin(0.05 * i),
);
const IDS = [0n, 46n, 442n, 326n, 351n, 350n, 301n, 389n, 2n];

async function runW2v(bytes: Uint8Array): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  return session.run({ input_values: new ort.Tensor('float32', AUDIO, [1, SAMPLES]) });
}
async function runRoberta(bytes: Uint8Array): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  const shape = [1, IDS.length];
  return session.run({
    input_ids: new ort.Tensor('int64', BigInt64Array.from(IDS), shape),
    attention_mask: new ort.Tensor(
      'int64',
      BigInt64Array.from(IDS, () => 1n),
      shape,
    ),
  });
}
const f32 = (t: ort.Tensor | undefined): Float32Array => {
  expect(t?.type).toBe('float32');
  return t?.data as Float32Array;
};
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

/** The graph's node of that name (the test looks weights up through the graph, as an exporter named them). */
function nodeNamed(bytes: Uint8Array, name: string): pb.INodeProto {
  const node = onnx.ModelProto.decode(bytes).graph?.node?.find((n) => n.name === name);
  if (!node) throw new Error(`no node ${name}`);
  return node;
}
const input = (n: pb.INodeProto, k: number): string => n.input?.[k] ?? '';

/** x [rows, inF] @ W [inF, outF] + b. */
function linear(x: Float32Array, w: { dims: number[]; data: Float32Array }, b: Float32Array): Float32Array {
  const [inF = 0, outF = 0] = w.dims;
  const rows = x.length / inF;
  const y = new Float32Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = b[o] ?? 0;
      for (let i = 0; i < inF; i++) s += (x[r * inF + i] ?? 0) * (w.data[i * outF + o] ?? 0);
      y[r * outF + o] = s;
    }
  }
  return y;
}
/** erf, Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7, far below the 1e-4 tolerance). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
function layerNorm(x: Float32Array, g: Float32Array, b: Float32Array, eps: number): Float32Array {
  const d = g.length;
  const y = new Float32Array(x.length);
  for (let r = 0; r < x.length / d; r++) {
    const row = x.subarray(r * d, (r + 1) * d);
    const mean = row.reduce((s, v) => s + v, 0) / d;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / d;
    for (let i = 0; i < d; i++)
      y[r * d + i] = (((row[i] ?? 0) - mean) / Math.sqrt(variance + eps)) * (g[i] ?? 0) + (b[i] ?? 0);
  }
  return y;
}

function expectBadModel(fn: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AppError);
  expect((caught as AppError).code).toBe('bad-model');
  expect((caught as AppError).message).toMatch(message);
}

describe.each(VARIANTS)('wav2vec2 ($name)', ({ variant, headTol, keepTol }) => {
  const original = (): Uint8Array => model('wav2vec2', variant);

  it('exposes hidden_state next to logits, and the head recomputed from it gives the logits', async () => {
    const edited = editModel(original(), W2V_PLAN);
    const frames = wav2vec2Frames(SAMPLES);
    expect(describeModel(edited).outputs).toEqual([
      { name: 'logits', dtype: 'float32', shape: ['batch_size', 'frames', 32] },
      { name: 'hidden_state', dtype: 'float32', shape: ['batch_size', 'frames', WAV2VEC2_TINY.hidden] },
    ]);
    const out = await runW2v(edited);
    expect(out.hidden_state?.dims).toEqual([1, frames, WAV2VEC2_TINY.hidden]);
    const before = await runW2v(original());
    expect(maxAbsDiff(f32(out.logits), f32(before.logits))).toBeLessThanOrEqual(keepTol);
    if (headTol === null) return;
    const head = original();
    const w = readInitializer(head, input(nodeNamed(head, '/lm_head/MatMul'), 1));
    const b = readInitializer(head, input(nodeNamed(head, '/lm_head/Add'), 0));
    expect(w.dims).toEqual([WAV2VEC2_TINY.hidden, 32]);
    expect(maxAbsDiff(linear(f32(out.hidden_state), w, b.data), f32(out.logits))).toBeLessThanOrEqual(headTol);
  });

  it.each([
    ['the last layer is the head input', WAV2VEC2_TINY.layers - 1, true],
    ['an earlier layer is a different tensor', 0, false],
  ] as const)('%s', async (_what, layer, same) => {
    const headInput = await runW2v(editModel(original(), W2V_PLAN));
    const atLayer = await runW2v(editModel(original(), { ...W2V_PLAN, layer }));
    expect(atLayer.hidden_state?.dims).toEqual(headInput.hidden_state?.dims);
    const diff = maxAbsDiff(f32(atLayer.hidden_state), f32(headInput.hidden_state));
    if (same) expect(diff).toBe(0);
    else expect(diff).toBeGreaterThan(0.1);
  });

  it('without scoped names, traces the head back from the first output', async () => {
    const traced = await runW2v(editModel(original(), { ...W2V_PLAN, headPrefix: '/classifier/' }));
    const scoped = await runW2v(editModel(original(), W2V_PLAN));
    expect(maxAbsDiff(f32(traced.hidden_state), f32(scoped.hidden_state))).toBe(0);
  });

  it('re-cuts an edited graph at another layer: the graph editing the original at that layer gives', () => {
    const atZero = { ...W2V_PLAN, layer: 0 };
    const recut = recutModel(editModel(original(), W2V_PLAN), W2V_PLAN, atZero);
    if (recut === null) throw new Error('not re-cut');
    expect(recut).toEqual(editModel(original(), atZero));
    expect(describeModel(recut).outputs.map((o) => o.name)).toEqual(['logits', 'hidden_state']);
    // A graph whose head was cut off cannot grow it back; a graph the plan never edited is not re-cut either.
    expect(
      recutModel(editModel(original(), { ...atZero, keepHead: false }), { ...atZero, keepHead: false }, W2V_PLAN),
    ).toBeNull();
    expect(recutModel(original(), W2V_PLAN, atZero)).toBeNull();
  });

  it('keepHead false on layer 0 prunes later layers and the head', async () => {
    const edited = editModel(original(), { ...W2V_PLAN, keepHead: false, layer: 0 });
    const names = onnx.ModelProto.decode(edited).graph?.node?.map((n) => n.name ?? '') ?? [];
    expect(names.filter((n) => n.startsWith('/wav2vec2/encoder/layers.1/') || n.startsWith('/lm_head/'))).toEqual([]);
    expect(names.filter((n) => n.startsWith('/wav2vec2/encoder/layers.0/'))).not.toEqual([]);
    expect(edited.byteLength).toBeLessThan(original().byteLength * 0.9);
    const full = await runW2v(editModel(original(), { ...W2V_PLAN, layer: 0 }));
    const pruned = await runW2v(edited);
    expect(Object.keys(pruned)).toEqual(['hidden_state']);
    expect(maxAbsDiff(f32(pruned.hidden_state), f32(full.hidden_state))).toBe(0);
  });
});

describe('wav2vec2 across export flavours', () => {
  it('picks the same tensor in quantized, fp16 and fp32 graphs (values agree to quantization error)', async () => {
    const ref = f32((await runW2v(editModel(model('wav2vec2', {}), W2V_PLAN))).hidden_state);
    for (const { name, variant } of VARIANTS.slice(1)) {
      const other = f32((await runW2v(editModel(model('wav2vec2', variant), W2V_PLAN))).hidden_state);
      // Cosine, not a max difference: 7-bit uint8 convolutions move single values by more than fp16 does, while a
      // different layer's output or the logits would point elsewhere.
      expect(cosine(other, ref), name).toBeGreaterThan(0.98);
    }
  });
});

describe('surgery errors', () => {
  const w2v = (): Uint8Array => model('wav2vec2', {});
  it.each([
    ['a layer past the end', { ...W2V_PLAN, layer: 2 }, /out of range.*2 layers \(0-1\)/],
    ['a negative layer', { ...W2V_PLAN, layer: -1 }, /out of range.*\(0-1\)/],
    ['a fractional layer', { ...W2V_PLAN, layer: 0.5 }, /out of range/],
    [
      'an unmatched layer scope',
      { ...W2V_PLAN, layer: 0, layerScope: '/hubert/encoder/layers.{i}/' },
      /starts with "\/hubert/,
    ],
    [
      'a numbered layer without a scope',
      { headPrefix: '/lm_head/', keepHead: true, hiddenOutput: 'h', layer: 1 },
      /layerScope/,
    ],
    ['a name already used in the graph', { ...W2V_PLAN, hiddenOutput: 'input_values' }, /already has a tensor/],
  ] as const)('rejects %s', (_what, plan, message) => {
    expectBadModel(() => editModel(w2v(), plan), message);
  });

  it('rejects a model whose head is neither named nor a Linear at the output', () => {
    const cut = editModel(model('roberta', {}), ROBERTA_PLAN);
    const plan = { ...ROBERTA_PLAN, headPrefix: '/cls/', hiddenOutput: 'other' };
    expectBadModel(() => editModel(cut, plan), /no node name starts with "\/cls\/".*Identity/);
  });

  it('rejects bytes that are not a model', () => {
    expectBadModel(() => editModel(new Uint8Array([0xff, 0xff, 0xff, 0x0f, 0x01]), W2V_PLAN), /not a valid ONNX/);
    expectBadModel(() => readInitializer(w2v(), 'no.such.weight'), /no initializer "no.such.weight"/);
  });
});

describe.each(VARIANTS)('roberta ($name)', ({ variant, headTol }) => {
  const original = (): Uint8Array => model('roberta', variant);

  it('keeps only last_hidden_state, drops the head weights, keeps the tied embedding', () => {
    const edited = editModel(original(), ROBERTA_PLAN);
    expect(describeModel(edited).outputs).toEqual([
      { name: 'last_hidden_state', dtype: 'float32', shape: ['batch_size', 'sequence_length', 32] },
    ]);
    expect(describeModel(edited).inputs.map((i) => i.name)).toEqual(['input_ids', 'attention_mask']);
    expect(edited.byteLength).toBeLessThan(original().byteLength);
    const g = onnx.ModelProto.decode(edited).graph;
    const inits = g?.initializer?.map((t) => t.name ?? '') ?? [];
    expect(inits.filter((n) => n.startsWith('lm_head.'))).toEqual([]);
    // The int8 export keeps it as uint8 (`..._quantized`), read by both the Gather and the head's Transpose.
    expect(inits.some((n) => n.startsWith('roberta.embeddings.word_embeddings.weight'))).toBe(true);
    const nodes = g?.node ?? [];
    expect(nodes.filter((n) => (n.name ?? '').startsWith('/lm_head/'))).toEqual([]);
    // No dead nodes either (e.g. the DynamicQuantizeLinear that fed only the head): every output is read or returned.
    const read = new Set([...nodes.flatMap((n) => n.input ?? []), 'last_hidden_state']);
    expect(nodes.filter((n) => !(n.output ?? []).some((o) => read.has(o))).map((n) => n.name)).toEqual([]);
  });

  it('the original LM head recomputed on last_hidden_state reproduces the original logits', async () => {
    const edited = editModel(original(), ROBERTA_PLAN);
    const hidden = f32((await runRoberta(edited)).last_hidden_state);
    const logits = f32((await runRoberta(original())).logits);
    const full = f32((await runRoberta(editModel(original(), { ...ROBERTA_PLAN, keepHead: true }))).last_hidden_state);
    expect(maxAbsDiff(hidden, full)).toBe(0);
    if (headTol === null) return;
    const src = original();
    const read = (name: string): { dims: number[]; data: Float32Array } => readInitializer(src, name);
    let x = linear(hidden, read(input(nodeNamed(src, '/lm_head/dense/MatMul'), 1)), read('lm_head.dense.bias').data);
    x = x.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
    x = layerNorm(x, read('lm_head.layer_norm.weight').data, read('lm_head.layer_norm.bias').data, 1e-5);
    // The decoder is tied to the word embeddings through a Transpose, as in the hub export.
    const transpose = nodeNamed(src, '/lm_head/decoder/Transpose');
    expect(input(nodeNamed(src, '/lm_head/decoder/MatMul'), 1)).toBe(transpose.output?.[0]);
    const emb = read(input(transpose, 0));
    const [vocab = 0, h = 0] = emb.dims;
    const wT = new Float32Array(h * vocab);
    for (let v = 0; v < vocab; v++) for (let i = 0; i < h; i++) wT[i * vocab + v] = emb.data[v * h + i] ?? 0;
    const recomputed = linear(x, { dims: [h, vocab], data: wT }, read('lm_head.bias').data);
    expect(maxAbsDiff(recomputed, logits)).toBeLessThanOrEqual(headTol);
  });

  it('editing twice is a no-op, and an unedited decode/encode round trip is byte-identical', () => {
    const edited = editModel(original(), ROBERTA_PLAN);
    expect(editModel(edited, ROBERTA_PLAN)).toBe(edited);
    for (const bytes of [original(), model('wav2vec2', variant), edited]) {
      const again = onnx.ModelProto.encode(onnx.ModelProto.decode(bytes)).finish();
      expect(Buffer.compare(Buffer.from(again), Buffer.from(bytes))).toBe(0);
    }
  });
});

describe('readInitializer', () => {
  it('reads fp16 weights as float32 close to the fp32 ones', () => {
    const a = readInitializer(model('roberta', {}), 'lm_head.bias');
    const b = readInitializer(model('roberta', { float16: true }), 'lm_head.bias');
    expect(b.dims).toEqual(a.dims);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-3);
    expect(maxAbsDiff(a.data, b.data)).toBeGreaterThan(0);
  });

  it('rejects non-float initializers', () => {
    const q = model('wav2vec2', { quantize: true });
    const name = input(nodeNamed(q, '/lm_head/MatMul_quant'), 1);
    expectBadModel(() => readInitializer(q, name), /int8, not float32 or float16/);
  });
});
