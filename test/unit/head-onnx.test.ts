/**
 * The emotion head as an ONNX graph (src/inference/head-onnx.ts) against TensorFlow.js' `mmerForward`: for every kind
 * of config the product has, onnxruntime-node's logits on a padded batch of clips of different lengths must equal
 * tfjs's within 1e-4, and heads it cannot build must be refused with a reason.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/rng';
import type { FeatureMatrix } from '../../src/encoders/types';
import { buildHeadOnnx, HEAD_ONNX_INPUTS, HEAD_ONNX_OUTPUT, headOnnxRefusal } from '../../src/inference/head-onnx';
import { disposeBatch, makeBatch, type ClipFeatures } from '../../src/mmer/batch';
import { DEFAULT_CONFIG, liteConfig, type MmerConfig } from '../../src/mmer/config';
import { disposeMmerOutputs, mmerForward } from '../../src/mmer/head';
import { ParamStore, type SerialisedParams } from '../../src/mmer/params';
import { applyProfile, blockFrames, withUtterancePrefix, type UtteranceSpec } from '../../src/mmer/utterance';
import { fixtureHeadConfig } from '../../tools/fixtures/head';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const UTT_DIM = 12;

function utteranceSpec(frameDim: number): UtteranceSpec {
  const rand = mulberry32(99);
  const stats = (): { mean: number[]; std: number[] } => ({
    mean: Array.from({ length: UTT_DIM }, () => rand() - 0.5),
    std: Array.from({ length: UTT_DIM }, () => 0.5 + rand()),
  });
  return {
    features: 'test-stats',
    dim: UTT_DIM,
    frames: blockFrames(UTT_DIM, frameDim),
    global: stats(),
    speaker: stats(),
    dropout: 0.2,
  };
}

/** One config of each shape the product supports: projections or not, audio layers, encoder layers, utterances. */
const CONFIGS: readonly { readonly name: string; readonly config: MmerConfig }[] = [
  { name: 'fixture head (32-d, no projections)', config: fixtureHeadConfig() },
  { name: 'lite standard (projections, 2 audio layers)', config: liteConfig() },
  { name: 'lite compact (1 audio layer)', config: liteConfig(['a', 'b', 'c'], 'compact') },
  {
    name: 'lite compact with the utterance branch',
    config: { ...liteConfig(['a', 'b', 'c', 'd', 'e'], 'compact'), utterance: utteranceSpec(160) },
  },
  {
    name: 'default-shaped, small (d = audio = text, no audio layers)',
    config: { ...DEFAULT_CONFIG, audioDim: 48, textDim: 48, hidden: 48, heads: 4, ffn: 96 },
  },
  {
    name: 'two wav2vec2 encoder layers, audio projection, one audio layer',
    config: {
      ...DEFAULT_CONFIG,
      audioDim: 24,
      textDim: 40,
      hidden: 32,
      heads: 4,
      ffn: 64,
      audioLayers: 1,
      encoderLayers: 2,
      encoderHeads: 3,
      encoderFfn: 48,
      encoderLayerNormEps: 1e-5,
    },
  },
];

/**
 * Parameters with every tensor perturbed (biases and LayerNorm gains included, which start at 0 and 1), so a graph
 * that drops or swaps one of them cannot match by accident.
 */
async function noisyParams(config: MmerConfig, seed: number): Promise<{ store: ParamStore; record: SerialisedParams }> {
  const store = ParamStore.init(config, seed);
  const record = await store.serialise();
  const rand = mulberry32(seed + 1);
  for (const [name, { data }] of Object.entries(record)) {
    const scale = name.endsWith('.bias') || /_ln\./.test(name) ? 0.3 : 0.05;
    for (let i = 0; i < data.length; i++) data[i] = (data[i] ?? 0) + scale * (2 * rand() - 1);
  }
  store.assign(record);
  return { store, record };
}

function mat(rand: () => number, rows: number, dim: number): FeatureMatrix {
  return { rows, dim, data: Float32Array.from({ length: rows * dim }, () => 2 * rand() - 1) };
}

/** Clips of different lengths (so the batch is padded); utterance configs get a prefix, one clip with a profile. */
function clips(config: MmerConfig, seed: number): ClipFeatures[] {
  const rand = mulberry32(seed);
  const spec = config.utterance;
  return [
    [23, 5],
    [9, 1],
    [16, 11],
  ].map(([frames = 1, tokens = 1], k) => {
    let audio = mat(rand, frames, config.audioDim);
    if (spec !== undefined) {
      const stats = Float32Array.from({ length: spec.dim }, (_, i) => (i === 3 && k === 1 ? Number.NaN : rand() * 3));
      audio = withUtterancePrefix(audio, stats);
      if (k === 2) {
        const profile = { mean: new Float64Array(spec.dim).fill(1), std: new Float64Array(spec.dim).fill(2), clips: 3 };
        audio = applyProfile(audio, spec.dim, profile);
      }
    }
    return { audio, text: mat(rand, tokens, config.textDim) };
  });
}

async function tfjsLogits(
  store: ParamStore,
  config: MmerConfig,
  batchClips: readonly ClipFeatures[],
): Promise<number[]> {
  const { batch } = makeBatch(batchClips);
  const out = mmerForward(store, config, batch, { training: false });
  const logits = Array.from(await out.logits.data());
  disposeMmerOutputs(out);
  disposeBatch(batch);
  return logits;
}

async function onnxLogits(model: Uint8Array, batchClips: readonly ClipFeatures[], threads = 1): Promise<number[]> {
  const { batch } = makeBatch(batchClips);
  const feed = (t: tf.Tensor): ort.Tensor => new ort.Tensor('float32', t.dataSync() as Float32Array, t.shape);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    graphOptimizationLevel: 'all',
  });
  try {
    const out = await session.run({
      [HEAD_ONNX_INPUTS.audio]: feed(batch.audio),
      [HEAD_ONNX_INPUTS.audioMask]: feed(batch.audioMask),
      [HEAD_ONNX_INPUTS.text]: feed(batch.text),
      [HEAD_ONNX_INPUTS.textMask]: feed(batch.textMask),
    });
    return Array.from(out[HEAD_ONNX_OUTPUT]?.data as Float32Array);
  } finally {
    disposeBatch(batch);
    await session.release();
  }
}

const worstDiff = (a: readonly number[], b: readonly number[]): number =>
  a.length !== b.length ? Number.POSITIVE_INFINITY : a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? NaN))), 0);

describe('emotion head as an ONNX graph', () => {
  it.each(CONFIGS)('$name: logits equal tfjs within 1e-4 on a padded batch', async ({ config }) => {
    const { store, record } = await noisyParams(config, 3);
    try {
      expect(headOnnxRefusal(config, record)).toBeNull();
      const batchClips = clips(config, 11);
      const want = await tfjsLogits(store, config, batchClips);
      const model = buildHeadOnnx(config, record);
      const got = await onnxLogits(model, batchClips);
      expect(got).toHaveLength(batchClips.length * config.labels.length);
      // Logits of the perturbed weights are O(1)-O(10): an absolute bound of 1e-4 is tight.
      expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(0.1);
      expect(worstDiff(got, want)).toBeLessThan(1e-4);
      // Each clip alone (no padding): the same logits, so padding changes nothing on either side.
      for (const [k, c] of batchClips.entries()) {
        const n = config.labels.length;
        expect(worstDiff(await onnxLogits(model, [c], 2), want.slice(k * n, (k + 1) * n))).toBeLessThan(1e-4);
      }
      // The comparison can fail: another head's weights give other logits.
      const other = await noisyParams(config, 4);
      expect(worstDiff(await onnxLogits(buildHeadOnnx(config, other.record), batchClips), want)).toBeGreaterThan(1e-2);
      other.store.dispose();
    } finally {
      store.dispose();
    }
  });

  it('refuses a record that does not fit the config, and an invalid config, with a reason', async () => {
    const config = fixtureHeadConfig();
    const { store, record } = await noisyParams(config, 5);
    store.dispose();
    const missing = { ...record };
    delete missing['block_c.ffn.in.weight'];
    expect(headOnnxRefusal(config, missing)).toMatch(/block_c\.ffn\.in\.weight/);
    expect(() => buildHeadOnnx(config, missing)).toThrow(/cannot run on onnxruntime: parameter "block_c/);
    expect(headOnnxRefusal({ ...config, heads: 5 }, record)).toMatch(/divisible by heads/);
  });
});
