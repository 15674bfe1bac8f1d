/**
 * The page's emotion head outside the browser: what each pair gives a head, loading the fixture head, refusing heads
 * that do not fit (with the previous head kept and nothing leaked), scoring, and reading picked files. TensorFlow.js
 * runs on its CPU backend here; the browser test runs the same code in the worker.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mulberry32 } from '../../src/core/rng';
import { LiteAudioEncoder, LiteTextEncoder } from '../../src/encoders/lite';
import type { FeatureMatrix } from '../../src/encoders/types';
import { readHeadFiles, type PickedFile } from '../../src/page/head-files';
import { decodeCheckpoint, encodeCheckpoint, type HeadManifest } from '../../src/mmer/checkpoint';
import { DerivedWeights } from '../../src/mmer/derived-weights';
import { ParamStore } from '../../src/mmer/params';
import { predict } from '../../src/mmer/trainer';
import { HeadSlot, headMismatch, type HeadOrigin } from '../../src/inference/emotion-head';
import { measureWidths, pairIdentity, type HeadTarget } from '../../src/inference/head-target';
import { parseManifest } from '../../src/runtime/manifest-parse';
import { resolvePair } from '../../src/runtime/manifest';
import type { HeadFiles, HeadInfo } from '../../src/worker-api/protocol';
import { FIXTURE_HEAD_DESCRIPTION, fixtureHeadFiles, fixtureHeadManifest } from '../../tools/fixtures/head';
import { robertaTinyDims } from '../../tools/fixtures/roberta';
import { WAV2VEC2_TINY } from '../../tools/fixtures/wav2vec2';

const manifest = parseManifest(
  JSON.parse(readFileSync(new URL('../../public/models/manifest.json', import.meta.url), 'utf8')),
);
/** The fixture pair as the worker sees it: the manifest's ids, the generated models' widths. */
const FIXTURE: HeadTarget = {
  ...pairIdentity(manifest, 'fixture'),
  audioDim: WAV2VEC2_TINY.hidden,
  textDim: robertaTinyDims().hidden,
};
/** The lite pair with made-up widths: only its identity matters where it is used. */
const LITE: HeadTarget = { ...pairIdentity(manifest, 'lite'), audioDim: 1, textDim: 1 };
const ENGINE: HeadInfo['engine'] = { backend: 'cpu', rejected: [], threads: 1 };
const IMPORTED: HeadOrigin = { kind: 'imported' };

let fixtureFiles: HeadFiles;

/** Head files for the fixture manifest with `change` applied (to the manifest and so to the parameter shapes). */
async function headFiles(change: (m: HeadManifest) => HeadManifest, source = 'changed head'): Promise<HeadFiles> {
  const m = change(fixtureHeadManifest());
  const params = ParamStore.init(m.config, 5);
  try {
    const { configJson, safetensors } = await encodeCheckpoint(m, params);
    return { configJson, weights: safetensors, source };
  } finally {
    params.dispose();
  }
}

function features(target: HeadTarget, seed = 1): { audio: FeatureMatrix; text: FeatureMatrix } {
  const rand = mulberry32(seed);
  const mat = (rows: number, dim: number): FeatureMatrix => ({
    rows,
    dim,
    data: Float32Array.from({ length: rows * dim }, () => 2 * rand() - 1),
  });
  return { audio: mat(23, target.audioDim), text: mat(7, target.textDim) };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  const files = await fixtureHeadFiles();
  const config = files.find((f) => f.path.endsWith('config.json'));
  const weights = files.find((f) => f.path.endsWith('model.safetensors'));
  if (config === undefined || weights === undefined) throw new Error('fixture head files missing');
  fixtureFiles = {
    configJson: new TextDecoder().decode(config.bytes),
    weights: weights.bytes,
    source: 'config.json + model.safetensors',
  };
});

describe('what a pair gives a head', () => {
  it('names the encoders and the exposed hidden state from the manifest', () => {
    const { audio, text } = resolvePair(manifest, 'base');
    if (audio.format !== 'onnx') throw new Error('base audio is not ONNX');
    expect(pairIdentity(manifest, 'base')).toEqual({
      pair: 'base',
      audio: audio.id,
      text: text.id,
      hiddenStateLayer: audio.surgery.layer,
    });
    expect(pairIdentity(manifest, 'lite')).toMatchObject({
      audio: 'lite-acoustic',
      text: 'lite-ngram',
      hiddenStateLayer: 'head-input',
    });
  });

  it('measures the widths the encoders really produce', async () => {
    const { audio, text } = resolvePair(manifest, 'lite');
    if (audio.format !== 'lite' || text.format !== 'lite') throw new Error('lite pair is not lite');
    const encoders = {
      audio: new LiteAudioEncoder(audio.id, audio.options),
      text: new LiteTextEncoder(text.id, text.options),
    };
    const widths = await measureWidths(encoders);
    const a = await encoders.audio.encode(Float32Array.from({ length: 16_000 }, (_, i) => Math.sin(i / 7)));
    const t = await encoders.text.encode('kids are talking by the door');
    expect(widths).toEqual({ audioDim: a.hidden.dim, textDim: t.hidden.dim });
  });

  it('keeps the fixture head generator in step with the manifest', () => {
    expect(headMismatch(fixtureHeadManifest(), FIXTURE)).toBeNull();
  });
});

describe('HeadSlot', () => {
  const slots: HeadSlot[] = [];
  const slot = (): HeadSlot => {
    const s = new HeadSlot();
    slots.push(s);
    return s;
  };
  afterEach(() => {
    for (const s of slots.splice(0)) s.unload();
  });

  it('warms a loaded head up: its weight products are made before the first clip, which reuses them', async () => {
    const spy = vi.spyOn(DerivedWeights.prototype, 'get');
    try {
      const warm = slot();
      warm.load(fixtureFiles, FIXTURE, IMPORTED, ENGINE);
      await warm.warmUp();
      const cache = spy.mock.contexts.at(-1) as DerivedWeights | undefined;
      const made = cache?.size ?? 0;
      expect(made).toBeGreaterThan(0);
      const calls = spy.mock.calls.length;
      const scores = await warm.score(features(FIXTURE));
      expect(spy.mock.calls.length).toBeGreaterThan(calls);
      expect(cache?.size).toBe(made);
      // The same clip on a head that was not warmed up scores the same.
      const cold = slot();
      cold.load(fixtureFiles, FIXTURE, IMPORTED, ENGINE);
      expect(await cold.score(features(FIXTURE))).toEqual(scores);
    } finally {
      spy.mockRestore();
    }
  });

  it('loads the fixture head and reports what it is', () => {
    const s = slot();
    const info = s.load(fixtureFiles, FIXTURE, IMPORTED, ENGINE);
    expect(info).toMatchObject({
      builtinId: null,
      name: 'config.json + model.safetensors',
      description: FIXTURE_HEAD_DESCRIPTION,
      pair: 'fixture',
      encoders: { audio: 'wav2vec2-tiny-fixture', text: 'roberta-tiny-fixture' },
      labels: fixtureHeadManifest().config.labels,
      metrics: null,
      engine: ENGINE,
    });
    expect(s.info).toEqual(info);
    const builtin = s.load(
      fixtureFiles,
      FIXTURE,
      { kind: 'builtin', id: 'fixture-random', description: 'from the manifest' },
      ENGINE,
    );
    expect(builtin).toMatchObject({
      builtinId: 'fixture-random',
      name: 'fixture-random',
      description: 'from the manifest',
    });
  });

  it('names an imported head after the run that trained it, when its config says', () => {
    const config = JSON.parse(fixtureFiles.configJson) as { training?: Record<string, unknown> };
    const named = JSON.stringify({ ...config, training: { ...config.training, headName: '  my voice, week 2 ' } });
    const info = slot().load({ ...fixtureFiles, configJson: named }, FIXTURE, IMPORTED, ENGINE);
    expect(info).toMatchObject({ name: 'my voice, week 2', source: 'config.json + model.safetensors' });
  });

  it('scores like predict on the same parameters: sorted softmax over the labels', async () => {
    const s = slot();
    s.load(fixtureFiles, FIXTURE, IMPORTED, ENGINE);
    const f = features(FIXTURE);
    const scores = await s.score(f);
    if (scores === null) throw new Error('no scores');
    const { manifest: m, params } = decodeCheckpoint(fixtureFiles.configJson, fixtureFiles.weights);
    const [direct] = await predict(params, m.config, [f]);
    params.dispose();
    expect(scores.map((x) => x.label).sort()).toEqual([...m.config.labels].sort());
    expect(scores.filter((x) => !Number.isFinite(x.score))).toEqual([]);
    expect(Math.abs(scores.reduce((a, x) => a + x.score, 0) - 1)).toBeLessThan(1e-5);
    for (let i = 1; i < scores.length; i++)
      expect(scores[i - 1]?.score).toBeGreaterThanOrEqual(scores[i]?.score ?? Number.NaN);
    m.config.labels.forEach((label, i) => {
      expect(scores.find((x) => x.label === label)?.score).toBeCloseTo(direct?.scores[i] ?? Number.NaN, 6);
    });
  });

  it('replaces a head and disposes the old parameters', async () => {
    const s = slot();
    s.load(fixtureFiles, FIXTURE, IMPORTED, ENGINE);
    const before = tf.memory().numTensors;
    const other = await headFiles((m) => m, 'other head');
    const afterEncode = tf.memory().numTensors;
    expect(afterEncode).toBe(before);
    expect(s.load(other, FIXTURE, IMPORTED, ENGINE).name).toBe('other head');
    expect(tf.memory().numTensors).toBe(before);
    expect(s.unload()).toBe(true);
    expect(s.unload()).toBe(false);
    expect(s.info).toBeNull();
    expect(await s.score(features(FIXTURE))).toBeNull();
  });

  const refusals: { name: string; change: (m: HeadManifest) => HeadManifest; message: RegExp }[] = [
    {
      name: 'a head for other encoders',
      change: (m) => ({
        ...m,
        encoders: { pair: 'base', audio: 'wav2vec2-base-960h', text: 'roberta-base', hiddenStateLayer: 'head-input' },
      }),
      message:
        /trained on wav2vec2-base-960h \+ roberta-base features \(pair "base"\), but the loaded models are wav2vec2-tiny-fixture \+ roberta-tiny-fixture \(pair "fixture"\)/,
    },
    {
      name: 'a head for other feature widths',
      change: (m) => ({ ...m, config: { ...m.config, audioDim: 16, textDim: 24 } }),
      message:
        /expects 16-value audio frames and 24-value text tokens, but wav2vec2-tiny-fixture \+ roberta-tiny-fixture give 32-value audio frames and 32-value text tokens/,
    },
    {
      name: 'a head for another hidden layer',
      change: (m) => ({
        ...m,
        encoders: { ...m.encoders, hiddenStateLayer: m.encoders.hiddenStateLayer === 'head-input' ? 1 : 'head-input' },
      }),
      message:
        /This head was trained on (the input of the CTC head|the output of transformer layer 1) of wav2vec2-tiny-fixture, but the loaded model exposes (the output of transformer layer \d+|the input of the CTC head)\./,
    },
  ];
  it.each(refusals)('refuses $name, keeps the previous head and leaks nothing', async ({ change, message }) => {
    const s = slot();
    const kept = s.load(fixtureFiles, FIXTURE, IMPORTED, ENGINE);
    const f = features(FIXTURE, 4);
    const scoresBefore = await s.score(f);
    const bad = await headFiles(change);
    const before = tf.memory().numTensors;
    expect(() => s.load(bad, FIXTURE, IMPORTED, ENGINE)).toThrow(message);
    expect(codeOf(() => s.load(bad, FIXTURE, IMPORTED, ENGINE))).toBe('bad-model');
    expect(tf.memory().numTensors).toBe(before);
    expect(s.info).toEqual(kept);
    expect(await s.score(f)).toEqual(scoresBefore);
  });

  it.each([
    {
      name: 'truncated safetensors',
      files: (): HeadFiles => ({ ...fixtureFiles, weights: fixtureFiles.weights.slice(0, 1000) }),
      message: /model\.safetensors/,
    },
    {
      name: 'garbage safetensors',
      files: (): HeadFiles => ({ ...fixtureFiles, weights: new Uint8Array(64).fill(0xff) }),
      message: /model\.safetensors is not a readable safetensors file/,
    },
    {
      name: 'config that is not JSON',
      files: (): HeadFiles => ({ ...fixtureFiles, configJson: '{"format": "mmer-head",' }),
      message: /config\.json is not valid JSON/,
    },
    {
      name: 'config of something else',
      files: (): HeadFiles => ({ ...fixtureFiles, configJson: '{"model_type": "bert"}' }),
      message: /config\.json: field "model_type" is not part of the head format/,
    },
  ])('refuses a $name as bad-model and keeps the previous head', ({ files, message }) => {
    const s = slot();
    const kept = s.load(fixtureFiles, FIXTURE, IMPORTED, ENGINE);
    expect(() => s.load(files(), FIXTURE, IMPORTED, ENGINE)).toThrow(message);
    expect(codeOf(() => s.load(files(), FIXTURE, IMPORTED, ENGINE))).toBe('bad-model');
    expect(s.info).toEqual(kept);
  });

  it('refuses features of the wrong width when scoring', async () => {
    const s = slot();
    s.load(fixtureFiles, FIXTURE, IMPORTED, ENGINE);
    const f = features({ ...FIXTURE, audioDim: 80 });
    await expect(s.score(f)).rejects.toMatchObject({
      code: 'bad-model',
      message: expect.stringMatching(/expects 32-value audio frames .* this clip has 80 and 32/) as unknown,
    });
  });

  it('reports whether the active head fits another pair', () => {
    const s = slot();
    expect(s.mismatch(LITE)).toBeNull();
    s.load(fixtureFiles, FIXTURE, IMPORTED, ENGINE);
    expect(s.mismatch(FIXTURE)).toBeNull();
    expect(s.mismatch(LITE)).toMatch(/pair "lite"/);
  });
});

describe('readHeadFiles', () => {
  const file = (name: string, content: string | Uint8Array, size?: number): PickedFile => {
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    return {
      name,
      size: size ?? bytes.byteLength,
      text: () => Promise.resolve(new TextDecoder().decode(bytes)),
      arrayBuffer: () => Promise.resolve(bytes.slice().buffer),
    };
  };

  it('takes the two files in either order', async () => {
    const a = await readHeadFiles([
      file('model.safetensors', new Uint8Array([1, 2, 3])),
      file('config.json', '{"a":1}'),
    ]);
    expect(a).toEqual({
      configJson: '{"a":1}',
      weights: new Uint8Array([1, 2, 3]),
      source: 'config.json + model.safetensors',
    });
    const b = await readHeadFiles([file('my-head.JSON', '{}'), file('w.safetensors', new Uint8Array([9]))]);
    expect(b.source).toBe('my-head.JSON + w.safetensors');
  });

  it("takes a split head's training.safetensors beside them", async () => {
    const got = await readHeadFiles([
      file('Training.safetensors', new Uint8Array([7])),
      file('model.safetensors', new Uint8Array([1, 2])),
      file('config.json', '{}'),
    ]);
    expect(got).toEqual({
      configJson: '{}',
      weights: new Uint8Array([1, 2]),
      training: new Uint8Array([7]),
      source: 'config.json + model.safetensors + Training.safetensors',
    });
  });

  it.each([
    { name: 'one file', files: [file('config.json', '{}')], message: /two files.*\(got config\.json\)/ },
    { name: 'no file', files: [], message: /\(got no file\)/ },
    {
      name: 'two configs',
      files: [file('config.json', '{}'), file('b.json', '{}')],
      message: /got config\.json, b\.json/,
    },
    {
      name: 'a third file',
      files: [file('config.json', '{}'), file('m.safetensors', 'x'), file('notes.txt', 'x')],
      message: /got config\.json, m\.safetensors, notes\.txt/,
    },
    {
      name: 'a wrong kind of file',
      files: [file('config.json', '{}'), file('model.onnx', 'x')],
      message: /got config\.json, model\.onnx/,
    },
    {
      name: 'two weight files, neither of them training.safetensors',
      files: [file('config.json', '{}'), file('a.safetensors', 'x'), file('b.safetensors', 'x')],
      message: /with training\.safetensors when it ships one.*got config\.json, a\.safetensors, b\.safetensors/,
    },
    {
      name: 'training.safetensors without the weights',
      files: [file('config.json', '{}'), file('training.safetensors', 'x')],
      message: /got config\.json, training\.safetensors/,
    },
    {
      name: 'two training files',
      files: [
        file('config.json', '{}'),
        file('m.safetensors', 'x'),
        file('training.safetensors', 'x'),
        file('training.safetensors', 'y'),
      ],
      message: /got config\.json, m\.safetensors, training\.safetensors, training\.safetensors/,
    },
    {
      name: 'a huge config',
      files: [file('config.json', '{}', 5_000_000), file('m.safetensors', 'x')],
      message: /config\.json is 5000000 bytes/,
    },
  ])('refuses $name with bad-model', async ({ files, message }) => {
    await expect(readHeadFiles(files)).rejects.toMatchObject({
      code: 'bad-model',
      message: expect.stringMatching(message) as unknown,
    });
  });
});
