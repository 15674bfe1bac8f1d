/**
 * HeadSlot on onnxruntime (head-onnx-session.ts): when offered the encoders' onnxruntime it scores a loaded head with
 * the head's ONNX graph, with the scores tfjs gives within 1e-4, and falls back to tfjs, saying why, when the graph
 * cannot open or a run fails. tfjs runs on its CPU backend, onnxruntime-node on one thread.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/rng';
import type { FeatureMatrix } from '../../src/encoders/types';
import { HeadSlot, type HeadOrigin } from '../../src/inference/emotion-head';
import { pairIdentity, type HeadTarget } from '../../src/inference/head-target';
import { encodeCheckpoint, type HeadManifest } from '../../src/mmer/checkpoint';
import { liteConfig, type MmerConfig } from '../../src/mmer/config';
import { ParamStore } from '../../src/mmer/params';
import { blockFrames, withUtterancePrefix } from '../../src/mmer/utterance';
import { parseManifest } from '../../src/runtime/manifest-parse';
import { nodeAdapter } from '../../src/runtime/ort-node';
import type { OrtAdapter } from '../../src/runtime/ort-types';
import type { EmotionScores, HeadFiles, HeadInfo } from '../../src/worker-api/protocol';
import { fixtureHeadConfig, fixtureHeadManifest } from '../../tools/fixtures/head';

const manifest = parseManifest(
  JSON.parse(readFileSync(new URL('../../public/models/manifest.json', import.meta.url), 'utf8')),
);
const ENGINE: HeadInfo['engine'] = { backend: 'cpu', rejected: [], threads: 1 };
const IMPORTED: HeadOrigin = { kind: 'imported' };
const UTT_DIM = 9;

const UTTERANCE_CONFIG: MmerConfig = {
  ...liteConfig(['calm', 'angry', 'sad'], 'compact'),
  utterance: {
    features: 'test-stats',
    dim: UTT_DIM,
    frames: blockFrames(UTT_DIM, 160),
    global: { mean: Array.from({ length: UTT_DIM }, (_, i) => i / 10), std: Array(UTT_DIM).fill(1.5) },
    speaker: { mean: Array(UTT_DIM).fill(0), std: Array(UTT_DIM).fill(0.7) },
    dropout: 0.1,
  },
};

/** Head files for `config` with perturbed weights (so the scores are far from uniform), and the target they fit. */
async function headOf(config: MmerConfig, seed: number): Promise<{ files: HeadFiles; target: HeadTarget }> {
  const m: HeadManifest = { ...fixtureHeadManifest(), config };
  const params = ParamStore.init(config, seed);
  const record = await params.serialise();
  const rand = mulberry32(seed);
  for (const { data } of Object.values(record))
    for (let i = 0; i < data.length; i++) data[i] = (data[i] ?? 0) + 0.4 * (rand() - 0.5);
  params.assign(record);
  const { configJson, safetensors } = await encodeCheckpoint(m, params);
  params.dispose();
  const target = { ...pairIdentity(manifest, 'fixture'), audioDim: config.audioDim, textDim: config.textDim };
  return { files: { configJson, weights: safetensors, source: 'test head' }, target };
}

function clip(
  config: MmerConfig,
  seed: number,
  frames: number,
  tokens: number,
): { audio: FeatureMatrix; text: FeatureMatrix } {
  const rand = mulberry32(seed);
  const mat = (rows: number, dim: number): FeatureMatrix => ({
    rows,
    dim,
    data: Float32Array.from({ length: rows * dim }, () => 4 * rand() - 2),
  });
  const audio = mat(frames, config.audioDim);
  const spec = config.utterance;
  const stats = Float32Array.from({ length: spec?.dim ?? 0 }, () => 3 * rand());
  return { audio: spec === undefined ? audio : withUtterancePrefix(audio, stats), text: mat(tokens, config.textDim) };
}

const byLabel = (s: EmotionScores | null): Record<string, number> =>
  Object.fromEntries((s ?? []).map((x) => [x.label, x.score]));

function expectSameScores(got: EmotionScores | null, want: EmotionScores | null): void {
  expect(got).not.toBeNull();
  const w = byLabel(want);
  const g = byLabel(got);
  expect(Object.keys(g).sort()).toEqual(Object.keys(w).sort());
  for (const [label, score] of Object.entries(w)) expect(Math.abs((g[label] ?? NaN) - score)).toBeLessThan(1e-4);
}

const slots: HeadSlot[] = [];
function slotOn(ort: OrtAdapter | null): HeadSlot {
  const s = new HeadSlot(() => ort);
  slots.push(s);
  return s;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => {
  for (const s of slots.splice(0)) s.unload();
});

describe('HeadSlot on onnxruntime', () => {
  it.each([
    { name: 'fixture head', config: fixtureHeadConfig() },
    { name: 'lite standard', config: liteConfig() },
    { name: 'utterance branch', config: UTTERANCE_CONFIG },
  ])('$name: scores on onnxruntime equal the tfjs scores within 1e-4', async ({ config }) => {
    const { files, target } = await headOf(config, 21);
    // Counted before the heads load: a head scoring on tfjs keeps products of its weights (src/mmer/derived-weights.ts)
    // until it is unloaded, so the count comes back once both are unloaded, not after each score.
    const tensors = tf.memory().numTensors;
    const onnx = slotOn(nodeAdapter(1));
    const tfjs = slotOn(null);
    onnx.load(files, target, IMPORTED, ENGINE);
    tfjs.load(files, target, IMPORTED, ENGINE);
    expect(await onnx.scorer()).toEqual({ engine: 'onnxruntime', reason: null });
    expect(await tfjs.scorer()).toEqual({ engine: 'tfjs', reason: null });
    for (const [seed, frames, tokens] of [
      [1, 31, 6],
      [2, 4, 0],
      [3, 57, 1],
    ] as const) {
      const f = clip(config, seed, frames, tokens);
      const want = await tfjs.score(f);
      expect(Math.max(...Object.values(byLabel(want)))).toBeGreaterThan(1.2 / config.labels.length);
      expectSameScores(await onnx.score(f), want);
    }
    // tfjs scored the reference clips; neither engine leaves a tensor behind its head.
    const { files: other } = await headOf(config, 22);
    onnx.load(other, target, IMPORTED, ENGINE);
    const f = clip(config, 4, 12, 3);
    expect(
      Math.abs(
        (byLabel(await onnx.score(f))[config.labels[0] ?? ''] ?? 0) -
          (byLabel(await tfjs.score(f))[config.labels[0] ?? ''] ?? 0),
      ),
    ).toBeGreaterThan(1e-4);
    onnx.unload();
    tfjs.unload();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(tensors);
  });

  it('leaves audio with no frames after the utterance prefix to tfjs, which explains', async () => {
    const { files, target } = await headOf(UTTERANCE_CONFIG, 5);
    const s = slotOn(nodeAdapter(1));
    s.load(files, target, IMPORTED, ENGINE);
    const bare = clip(UTTERANCE_CONFIG, 1, 0, 2);
    await expect(s.score(bare)).rejects.toThrow(/no frames after the utterance statistics/);
  });

  it('falls back to tfjs, saying why, when the session cannot open or a run fails', async () => {
    const { files, target } = await headOf(fixtureHeadConfig(), 7);
    const ref = slotOn(null);
    ref.load(files, target, IMPORTED, ENGINE);
    const f = clip(fixtureHeadConfig(), 9, 20, 5);
    const want = await ref.score(f);

    const real = nodeAdapter(1);
    const noOpen: OrtAdapter = { ...real, createSession: () => Promise.reject(new Error('out of memory')) };
    const closed = slotOn(noOpen);
    closed.load(files, target, IMPORTED, ENGINE);
    expect(await closed.scorer()).toEqual({ engine: 'tfjs', reason: 'out of memory' });
    expectSameScores(await closed.score(f), want);

    let released = 0;
    const failing: OrtAdapter = {
      ...real,
      async createSession(model) {
        const session = await real.createSession(model);
        return {
          ...session,
          inputNames: session.inputNames,
          outputNames: session.outputNames,
          run: () => Promise.reject(new Error('kernel fault')),
          release: () => {
            released += 1;
            return session.release();
          },
        };
      },
    };
    const broken = slotOn(failing);
    broken.load(files, target, IMPORTED, ENGINE);
    expect(await broken.scorer()).toEqual({ engine: 'onnxruntime', reason: null });
    expectSameScores(await broken.score(f), want);
    expect(await broken.scorer()).toEqual({ engine: 'tfjs', reason: 'onnxruntime failed: kernel fault' });
    expect(released).toBe(1);
    expectSameScores(await broken.score(f), want);
    broken.unload();
    await new Promise((r) => setTimeout(r, 0));
    expect(released).toBe(1);
  });

  it('scores on tfjs until the session is open, and releases the session of a replaced or unloaded head', async () => {
    const { files, target } = await headOf(fixtureHeadConfig(), 8);
    const real = nodeAdapter(1);
    let released = 0;
    let runs = 0;
    const counting: OrtAdapter = {
      ...real,
      async createSession(model) {
        const session = await real.createSession(model);
        return {
          inputNames: session.inputNames,
          outputNames: session.outputNames,
          run: (feeds) => {
            runs += 1;
            return session.run(feeds);
          },
          release: () => {
            released += 1;
            return session.release();
          },
        };
      },
    };
    const s = slotOn(counting);
    s.load(files, target, IMPORTED, ENGINE);
    // No clip waits for the graph to be built: tfjs scores until the session is open.
    expect(await s.score(clip(fixtureHeadConfig(), 1, 3, 3))).not.toBeNull();
    expect(runs).toBe(0);
    expect(await s.scorer()).toEqual({ engine: 'onnxruntime', reason: null });
    await s.score(clip(fixtureHeadConfig(), 1, 3, 3));
    expect(runs).toBe(1);
    s.load(files, target, IMPORTED, ENGINE);
    expect(await s.scorer()).toEqual({ engine: 'onnxruntime', reason: null });
    // Replaced before its session opened: its parameters are gone, so no session is ever made for it.
    s.load(files, target, IMPORTED, ENGINE);
    s.load(files, target, IMPORTED, ENGINE);
    expect(await s.scorer()).toEqual({ engine: 'onnxruntime', reason: null });
    s.unload();
    await new Promise((r) => setTimeout(r, 50));
    expect(released).toBe(3);
    expect(await s.score(clip(fixtureHeadConfig(), 1, 3, 3))).toBeNull();
  });
});
