/**
 * The head's trainable wav2vec2 layers start from the ONNX model's own weights. Proof by recomputation: feeding the
 * hidden state the graph exposes below the top k layers through the head's copies of those layers must give the
 * graph's last hidden state, and the CTC head copied from lm_head must give the graph's own logits.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import type { MmerConfig } from '../../src/mmer/config';
import { exposedLayer, initFromEncoder, readEncoderInit, type EncoderGraphInfo } from '../../src/mmer/encoder-init';
import { disposeMmerOutputs, mmerForward } from '../../src/mmer/head';
import { ParamStore } from '../../src/mmer/params';
import { readInitializer } from '../../src/runtime/onnx-model';
import { readWav2vec2Layers, WeightReader } from '../../src/runtime/layer-weights';
import { editModel } from '../../src/runtime/surgery';
import type { GraphVariant } from '../../tools/fixtures/onnx-builder';
import { buildWav2vec2Onnx, WAV2VEC2_TINY } from '../../tools/fixtures/wav2vec2';

const GRAPH: EncoderGraphInfo = {
  numLayers: WAV2VEC2_TINY.layers,
  layerScope: '/wav2vec2/encoder/layers.{i}/',
  headPrefix: '/lm_head/',
};
const SAMPLES = 12000;
const AUDIO = Float32Array.from(
  { length: SAMPLES },
  (_, i) => 0.4 * Math.sin(0.004 * i) + 0.1 * Math.sin(0.07 * i + 1),
);

/** A head whose audio path is exactly wav2vec2's: same width, no projection, no fresh layers, no dropout. */
function configFor(k: number): MmerConfig {
  const d = WAV2VEC2_TINY.hidden;
  return {
    labels: ['a', 'b'],
    audioDim: d,
    textDim: 8,
    hidden: d,
    heads: 2,
    ffn: 16,
    dropout: 0,
    layerNormEps: 1e-12,
    vocabSize: 32,
    audioLayers: 0,
    encoderLayers: k,
    encoderHeads: WAV2VEC2_TINY.heads,
    encoderFfn: WAV2VEC2_TINY.ffn,
    encoderLayerNormEps: 1e-5,
  };
}

async function run(
  bytes: Uint8Array,
  layer: 'head-input' | number,
): Promise<{ hidden: ort.Tensor; logits: ort.Tensor }> {
  const edited = editModel(bytes, {
    headPrefix: '/lm_head/',
    keepHead: true,
    hiddenOutput: 'hidden_state',
    layer,
    layerScope: GRAPH.layerScope,
  });
  const session = await ort.InferenceSession.create(edited);
  const out = await session.run({ input_values: new ort.Tensor('float32', AUDIO, [1, SAMPLES]) });
  const hidden = out.hidden_state;
  const logits = out.logits;
  if (hidden === undefined || logits === undefined) throw new Error('missing outputs');
  return { hidden, logits };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return m;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('encoder layers initialised from the ONNX graph', () => {
  const fp32 = buildWav2vec2Onnx(WAV2VEC2_TINY);

  // Three layers, so that k = 2 still leaves one in the graph.
  const deeper = buildWav2vec2Onnx({ ...WAV2VEC2_TINY, layers: 3 });
  const deeperGraph = { ...GRAPH, numLayers: 3 };
  it.each([1, 2])('k = %i: the head reproduces the last hidden state and the CTC logits of the graph', async (k) => {
    const config = configFor(k);
    const below = await run(deeper, exposedLayer(k, deeperGraph.numLayers));
    const top = await run(deeper, 'head-input');
    const params = ParamStore.init(config, 3);
    const { ctcFromLmHead, tensors } = initFromEncoder(params, deeper, deeperGraph);
    expect(ctcFromLmHead).toBe(true);
    expect(tensors).toBe(16 * k + 2);
    const frames = below.hidden.dims[1] ?? 0;
    const batch = {
      audio: tf.tensor3d(below.hidden.data as Float32Array, [1, frames, config.audioDim]),
      audioMask: tf.ones<tf.Rank.R2>([1, frames]),
      text: tf.randomNormal<tf.Rank.R3>([1, 3, config.textDim], 0, 1, 'float32', 1),
      textMask: tf.ones<tf.Rank.R2>([1, 3]),
    };
    const out = mmerForward(params, config, batch, { training: false });
    const audioDiff = maxDiff(await out.audioStates.data(), top.hidden.data as Float32Array);
    const ctc = out.ctcLogits();
    const logitDiff = maxDiff(await ctc.data(), top.logits.data as Float32Array);
    ctc.dispose();
    console.info(
      `encoder layers k=${k}: max |diff| vs ONNX last hidden state ${audioDiff.toExponential(2)}, CTC logits ${logitDiff.toExponential(2)}`,
    );
    expect(audioDiff).toBeLessThan(1e-4);
    expect(logitDiff).toBeLessThan(1e-4);
    // Not vacuous: the layers do change the hidden state.
    expect(maxDiff(below.hidden.data as Float32Array, top.hidden.data as Float32Array)).toBeGreaterThan(0.1);
    disposeMmerOutputs(out);
    tf.dispose(Object.values(batch));
    params.dispose();
  });

  it('k = 0 reads the head input and trains no encoder layer', () => {
    const config = configFor(0);
    expect(exposedLayer(0, GRAPH.numLayers)).toBe('head-input');
    const { weights, ctcFromLmHead } = readEncoderInit(fp32, config, GRAPH);
    expect(Object.keys(weights).sort()).toEqual(['ctc.bias', 'ctc.weight']);
    expect(ctcFromLmHead).toBe(true);
  });

  it('a head with an input projection keeps its fresh CTC head (lm_head would not fit)', () => {
    const config = { ...configFor(1), hidden: 16, heads: 2 };
    const { weights, ctcFromLmHead } = readEncoderInit(fp32, config, GRAPH);
    expect(ctcFromLmHead).toBe(false);
    expect(Object.keys(weights).filter((n) => n.startsWith('ctc.'))).toEqual([]);
    expect(Object.keys(weights)).toHaveLength(16);
  });

  // Every export flavour gives the fp32 weights back, within what its storage type can hold.
  const flavours: readonly { name: string; variant: GraphVariant; tol: (maxAbs: number) => number }[] = [
    { name: 'decomposed LayerNorm', variant: { decomposeLayerNorm: true }, tol: () => 0 },
    { name: 'fp16', variant: { float16: true }, tol: (m) => m * 2 ** -10 },
    // The exporter's uint8 for a graph with convolutions: per column, 7-bit ([0, 127]) over a range widened to include
    // 0, so a step is at most 2 max|w| / 127 and a weight reads back within half of it.
    { name: 'int8 dynamic', variant: { quantize: true }, tol: (m) => ((2 * m) / 127) * 0.5 * 1.0001 },
  ];
  it.each(flavours)('$name export: the weights read back match the fp32 export', ({ variant, tol }) => {
    const want = readWav2vec2Layers(new WeightReader(fp32), GRAPH.layerScope, [1]);
    const got = readWav2vec2Layers(new WeightReader(buildWav2vec2Onnx(WAV2VEC2_TINY, variant)), GRAPH.layerScope, [1]);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [name, w] of Object.entries(want)) {
      const g = got[name];
      if (g === undefined) throw new Error(name);
      expect(g.shape).toEqual(w.shape);
      const maxAbs = w.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      // Biases and LayerNorm parameters stay float in a quantized export; only matrices are quantized.
      const limit = variant.quantize === true && w.shape.length === 1 ? 0 : tol(maxAbs);
      expect(maxDiff(g.data, w.data), name).toBeLessThanOrEqual(limit);
    }
  });

  it('the lm_head read back is the graph initializer (fp32, [hidden, vocab])', () => {
    const { weight } = new WeightReader(fp32).linear('/lm_head/');
    expect(weight.shape).toEqual([WAV2VEC2_TINY.hidden, 32]);
    const reader = new WeightReader(fp32);
    expect(reader.hasScope('/lm_head/')).toBe(true);
    // Sanity against the plain initializer reader: the MatMul weight is one of the graph's initializers.
    const { weights } = readEncoderInit(fp32, configFor(0), GRAPH);
    expect(weights['ctc.weight']?.data).toEqual(weight.data);
    expect(() => readInitializer(fp32, 'no-such-initializer')).toThrow(AppError);
  });

  const errors: readonly { name: string; act: () => unknown; message: RegExp }[] = [
    {
      name: 'more trainable layers than the encoder has',
      act: () => exposedLayer(2, 2),
      message: /at most 1 can be trained/,
    },
    {
      name: 'a layer index past the end',
      act: () => readWav2vec2Layers(new WeightReader(fp32), GRAPH.layerScope, [5]),
      message: /no layer 5/,
    },
    {
      name: 'a scope without {i}',
      act: () => readWav2vec2Layers(new WeightReader(fp32), '/wav2vec2/encoder/layers/', [0]),
      message: /no \{i\} placeholder/,
    },
    {
      name: 'a Linear that is not there',
      act: () => new WeightReader(fp32).linear('/classifier/'),
      message: /no MatMul or MatMulInteger/,
    },
    {
      name: 'bytes that are not a model',
      act: () => new WeightReader(new Uint8Array([1, 2, 3, 4])),
      message: /not a valid ONNX/,
    },
  ];
  it.each(errors)('refuses $name with a bad-model error', ({ act, message }) => {
    let caught: unknown = null;
    try {
      act();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('bad-model');
    expect((caught as AppError).message).toMatch(message);
  });

  it('a wrong-shaped initial weight changes nothing', () => {
    const params = ParamStore.init(configFor(1), 1);
    const before = params.get('encoder_layers.0.attn.q.weight').arraySync();
    expect(() => {
      params.assignSome({
        'encoder_layers.0.attn.q.weight': {
          shape: [WAV2VEC2_TINY.hidden, WAV2VEC2_TINY.hidden],
          data: new Float32Array(WAV2VEC2_TINY.hidden ** 2).fill(1),
        },
        'ctc.weight': { shape: [3, 3], data: new Float32Array(9) },
      });
    }).toThrow(/ctc.weight.*shape \[3, 3\]/);
    expect(params.get('encoder_layers.0.attn.q.weight').arraySync()).toEqual(before);
    params.dispose();
  });
});
