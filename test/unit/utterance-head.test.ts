/**
 * Utterance statistics in the MMER head: the prefix layout, speaker profiles, the two branches, checkpoints and a
 * training step with CTC on the frames after the prefix.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { fewClipProfiles, speakerFolds, withViewsAsExamples } from '../../cli/cv-folds';
import type { FeatureMatrix } from '../../src/encoders/types';
import { decodeCheckpoint, encodeCheckpoint, type HeadManifest } from '../../src/mmer/checkpoint';
import { liteConfig, validateConfig, type MmerConfig } from '../../src/mmer/config';
import { disposeMmerOutputs, mmerForward } from '../../src/mmer/head';
import { DEFAULT_LOSS, multitaskLoss, type LossParts, type TrainExample } from '../../src/mmer/multitask';
import { ParamStore } from '../../src/mmer/params';
import { adaptExamples, prepareUtteranceRun } from '../../src/mmer/speaker-adapt';
import {
  applyProfile,
  blockFrames,
  columnStats,
  prefixRows,
  speakerProfile,
  utteranceStats,
  validateUtteranceSpec,
  withUtterancePrefix,
} from '../../src/mmer/utterance';

const FRAME_DIM = 8;
const DIM = 10; // statistics: two blocks of 8 values per prefix block (10 + marker = 11 -> 2 rows)

/** Prefixed features of one clip: `stats` in front of `frames` rows of a constant. */
function clip(stats: number[], frames = 5, fill = 0.5): FeatureMatrix {
  const f: FeatureMatrix = { rows: frames, dim: FRAME_DIM, data: new Float32Array(frames * FRAME_DIM).fill(fill) };
  return withUtterancePrefix(f, Float32Array.from(stats));
}

const stats = (base: number, missingAt: number | null = null): number[] =>
  Array.from({ length: DIM }, (_, i) => (i === missingAt ? Number.NaN : base + i));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('utterance prefix', () => {
  it('lays out values, marker, missing mask and an empty profile block before the frames', () => {
    const m = clip(stats(1, 3));
    const f = blockFrames(DIM, FRAME_DIM);
    expect(f).toBe(2);
    expect(m.rows).toBe(3 * f + 5);
    expect(prefixRows({ frames: f })).toBe(6);
    expect(Array.from(m.data.subarray(0, DIM + 1))).toEqual([1, 2, 3, 0, 5, 6, 7, 8, 9, 10, 1]);
    const block = f * FRAME_DIM;
    expect(Array.from(m.data.subarray(block, block + DIM))).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(m.data.subarray(2 * block, 3 * block)).filter((v) => v !== 0)).toEqual([]);
    expect(m.data[3 * block]).toBe(0.5);
    const back = utteranceStats(m, DIM);
    expect(Number.isNaN(back[3])).toBe(true);
    expect(back[4]).toBe(5);
  });

  it('refuses features without a prefix', () => {
    const plain: FeatureMatrix = { rows: 9, dim: FRAME_DIM, data: new Float32Array(72) };
    expect(() => utteranceStats(plain, DIM)).toThrow(/carry no utterance statistics/);
  });

  it('a speaker profile z-scores each statistic by that speaker, ignoring missing values', () => {
    const clips = [clip(stats(0)), clip(stats(2)), clip(stats(4, 0))];
    const p = speakerProfile(clips, DIM);
    expect(p.clips).toBe(3);
    expect(p.mean[0]).toBeCloseTo(1); // only two clips have statistic 0
    expect(p.mean[1]).toBeCloseTo(3);
    expect(p.std[1]).toBeCloseTo(Math.sqrt(8 / 3));
    const adapted = applyProfile(clips[1] ?? clip(stats(0)), DIM, p);
    const block = 2 * FRAME_DIM;
    expect(adapted.data[2 * block + 1]).toBeCloseTo(0);
    expect(adapted.data[2 * block + DIM]).toBe(1);
    const third = applyProfile(clips[2] ?? clip(stats(0)), DIM, p);
    expect(third.data[2 * block]).toBe(0); // missing stays at the mean
    expect(
      applyProfile(adapted, DIM, null)
        .data.subarray(2 * block, 3 * block)
        .every((v) => v === 0),
    ).toBe(true);
  });

  it('an SD of zero counts as one', () => {
    const { std } = columnStats([Float64Array.from([1, 2]), Float64Array.from([1, 3])], 2);
    expect(std[0]).toBe(1);
    expect(std[1]).toBeCloseTo(0.5);
  });
});

function example(s: number[], label: number, fill: number): TrainExample {
  return {
    audio: clip(s, 6, fill),
    text: { rows: 2, dim: 4, data: new Float32Array(8).fill(0.1) },
    label,
    ctcTarget: [1, 2],
    augmented: null,
  };
}

function smallConfig(): MmerConfig {
  return {
    ...liteConfig(['a', 'b'], 'compact'),
    audioDim: FRAME_DIM,
    textDim: 4,
    hidden: 8,
    heads: 2,
    ffn: 16,
    vocabSize: 5,
  };
}

describe('head with utterance statistics', () => {
  const speakers = ['s1', 's1', 's2', 's2'];
  const train = [
    example(stats(0), 0, 0.1),
    example(stats(5), 1, 0.2),
    example(stats(20), 0, 0.3),
    example(stats(25), 1, 0.4),
  ];
  const run = prepareUtteranceRun(smallConfig(), { id: 'test-10', dim: DIM }, train, speakers, 0.3);

  it('fits global and speaker normalisation on the training clips', () => {
    const u = run.config.utterance;
    expect(u).toBeDefined();
    if (u === undefined) return;
    expect(u.global.mean[0]).toBeCloseTo(12.5);
    // Speaker-normalised: each speaker's two clips become -1 and +1.
    expect(u.speaker.mean[0]).toBeCloseTo(0);
    expect(u.speaker.std[0]).toBeCloseTo(1);
    expect(validateUtteranceSpec(u, FRAME_DIM)).toBeNull();
    expect(validateUtteranceSpec({ ...u, frames: 3 }, FRAME_DIM)).toMatch(/frames must be 2/);
    expect(() => {
      validateConfig({ ...run.config, utterance: { ...u, dropout: 1 } });
    }).toThrow(/dropout/);
  });

  it('adds the speaker branch where a profile came with the clip, else the global branch', async () => {
    const params = ParamStore.init(run.config, 3);
    const forward = (examples: readonly TrainExample[]): number[][] => {
      const audio = tf.stack<tf.Tensor2D>(
        examples.map((e) => tf.tensor2d(e.audio.data, [e.audio.rows, e.audio.dim])),
      ) as tf.Tensor3D;
      const batch = {
        audio,
        audioMask: tf.ones<tf.Rank.R2>([examples.length, audio.shape[1]]),
        text: tf.ones<tf.Rank.R3>([examples.length, 2, 4]),
        textMask: tf.ones<tf.Rank.R2>([examples.length, 2]),
      };
      const out = mmerForward(params, run.config, batch, { training: false });
      const logits = out.logits.arraySync();
      disposeMmerOutputs(out);
      tf.dispose([audio, batch.audioMask, batch.text, batch.textMask]);
      return logits;
    };
    const plain = train.map((e) => ({ ...e, audio: applyProfile(e.audio, DIM, null) }));
    const before = forward(plain);
    const beforeAdapted = forward(run.train);
    // Zeroing the speaker branch changes only the adapted clips' logits.
    params.assignSome({ 'utt_speaker.weight': { shape: [DIM, 2], data: new Float32Array(2 * DIM) } });
    expect(forward(plain)).toEqual(before);
    expect(forward(run.train)).not.toEqual(beforeAdapted);
    // Zeroing the global branch too leaves only the frame path: equal logits for clips with equal frames.
    params.assignSome({ 'utt_global.weight': { shape: [DIM, 2], data: new Float32Array(2 * DIM) } });
    const frameOnly = forward([example(stats(0), 0, 0.7), example(stats(50), 0, 0.7)]);
    expect(frameOnly[0]?.[0]).toBeCloseTo(frameOnly[1]?.[0] ?? Number.NaN, 5);
    params.dispose();
    await Promise.resolve();
  });

  it('trains with CTC on the frames after the prefix (finite loss and gradients for the branches)', () => {
    const params = ParamStore.init(run.config, 5);
    const parts = new Map<keyof LossParts, tf.Scalar>();
    const { value, grads } = tf.variableGrads(() =>
      multitaskLoss(params, run.config, run.train, { ...DEFAULT_LOSS, acl: 0 }, 1, parts),
    );
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    expect(Number.isFinite(parts.get('ctc')?.dataSync()[0])).toBe(true);
    const names = Object.keys(grads).join(' ');
    expect(names).toMatch(/utt_global\.weight/);
    expect(names).toMatch(/utt_speaker\.weight/);
    tf.dispose([value, ...Object.values(grads), ...parts.values()]);
    params.dispose();
  });

  it('round-trips through config.json + model.safetensors', async () => {
    const params = ParamStore.init(run.config, 7);
    const manifest: HeadManifest = {
      format: 'mmer-head',
      version: 1,
      config: run.config,
      encoders: { pair: 'lite', audio: 'lite-acoustic', text: 'lite-ngram', hiddenStateLayer: 'head-input' },
      vocab: ['<pad>', '|', 'A', 'B', 'C'],
      loss: DEFAULT_LOSS,
      metrics: null,
      createdAt: '2026-12-07T00:00:00.000Z',
    };
    const { configJson, safetensors } = await encodeCheckpoint(manifest, params);
    const back = decodeCheckpoint(configJson, safetensors);
    expect(back.manifest.config.utterance).toEqual(JSON.parse(JSON.stringify(run.config.utterance)));
    const broken = configJson.replace('"dropout": 0.3', '"dropout": "x"');
    expect(broken).not.toBe(configJson);
    expect(() => decodeCheckpoint(broken, safetensors)).toThrow(/config\.utterance\.dropout/);
    back.params.dispose();
    params.dispose();
  });

  it('adaptExamples gives each clip its own speaker profile, in both views', () => {
    const withAug = train.map((e) => ({ ...e, augmented: { audio: e.audio, text: e.text } }));
    const adapted = adaptExamples(withAug, speakers, DIM);
    const block = 2 * FRAME_DIM;
    expect(adapted[0]?.audio.data[2 * block]).toBeCloseTo(-1);
    expect(adapted[3]?.augmented.audio.data[2 * block]).toBeCloseTo(1);
  });

  it('a profile from k clips of each speaker (mmer cv --profile-clips) uses k of them and applies to all', () => {
    const five = [...train, example(stats(30), 0, 0.5)];
    const who = [...speakers, 's2'];
    const one = fewClipProfiles(five, who, DIM, 1, 0);
    expect([...one.keys()].sort()).toEqual(['s1', 's2']);
    // One clip per speaker: the profile's mean is that clip's statistic, one of the speaker's own.
    expect([0, 5]).toContain(one.get('s1')?.mean[0]);
    expect([20, 25, 30]).toContain(one.get('s2')?.mean[0]);
    const all = fewClipProfiles(five, who, DIM, 10, 0);
    expect(all.get('s2')?.mean[0]).toBeCloseTo(25);
    const adapted = adaptExamples(five, who, DIM, all);
    expect(adapted).toHaveLength(5);
    expect([one.get('s1')?.clips, one.get('s2')?.clips, all.get('s2')?.clips]).toEqual([1, 1, 3]);
    expect(adapted.map((e) => e.audio.data[2 * 2 * FRAME_DIM])).toEqual(
      adaptExamples(five, who, DIM).map((e) => e.audio.data[2 * 2 * FRAME_DIM]),
    );
  });
});

describe('withViewsAsExamples (mmer cv --augmented-examples)', () => {
  it('adds each augmented view as a clip with the same label, its original as its own view', () => {
    const a = example(stats(1), 0, 0.1);
    const b = example(stats(2), 1, 0.2);
    const withView = { ...a, augmented: { audio: b.audio, text: b.text } };
    const out = withViewsAsExamples([withView, { ...b, augmented: null }]);
    expect(out).toHaveLength(3);
    expect(out[2]).toMatchObject({ label: 0, audio: b.audio, augmented: { audio: a.audio, text: a.text } });
  });
});

describe('speakerFolds', () => {
  it('cuts sorted speakers into contiguous folds and refuses impossible counts', () => {
    const s = Array.from({ length: 16 }, (_, i) => String(i + 1).padStart(2, '0'));
    expect(speakerFolds([...s].reverse(), 4)).toEqual([s.slice(0, 4), s.slice(4, 8), s.slice(8, 12), s.slice(12)]);
    expect(speakerFolds(['c', 'a', 'b', 'a'], 2)).toEqual([['a', 'b'], ['c']]);
    expect(() => speakerFolds(s, 1)).toThrow(/--folds/);
    expect(() => speakerFolds(['a'], 2)).toThrow(/--folds/);
  });
});
