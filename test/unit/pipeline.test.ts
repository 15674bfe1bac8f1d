/**
 * The shared pipeline on onnxruntime-node with the fixture models: loading through the real loader (cache,
 * surgery), one wav2vec2 pass per window feeding both transcript and features, windows for long clips, and
 * every input error the page can meet.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav';
import { analyseClip } from '../../src/inference/analyse';
import type { EncoderPair } from '../../src/inference/load-encoders';
import { loadNodeEncoders } from '../../src/inference/node';
import { MemoryStore } from '../../src/runtime/cache';
import { fileAwareFetch } from '../../src/runtime/node-io';
import type { LoadProgress } from '../../src/runtime/runtime-types';
import { wav2vec2Frames } from '../../tools/fixtures/wav2vec2';
import { ravdessSamples } from '../ravdess';
import { ravdessClip } from '../shared-data';
import { ensureFixtures } from './fixtures-on-disk';

function clip(rel: string): Float32Array {
  const ch = decodeWav(readFileSync(ravdessClip(rel))).channels[0];
  if (ch === undefined) throw new Error('no audio');
  return ch;
}

describe('pipeline on fixture models (Node)', () => {
  let encoders: EncoderPair;
  const store = new MemoryStore();
  let fetches: string[] = [];
  const countingFetch: typeof fetch = (input, init) => {
    fetches.push(input instanceof Request ? input.url : input.toString());
    return fileAwareFetch(input, init);
  };

  beforeAll(async () => {
    await ensureFixtures();
    encoders = await loadNodeEncoders({ pair: 'fixture', store, fetchImpl: countingFetch });
  });

  it('loads from the cache the second time, without fetching', async () => {
    fetches = [];
    const progress: LoadProgress[] = [];
    const again = await loadNodeEncoders({
      pair: 'fixture',
      store,
      fetchImpl: countingFetch,
      onProgress: (p) => progress.push(p),
    });
    expect(fetches).toEqual([]);
    const done = progress.filter((p) => p.status === 'done');
    expect(done.length).toBeGreaterThan(0);
    expect(done.filter((p) => !p.fromCache).map((p) => p.file)).toEqual([]);
    expect(progress.filter((p) => p.status === 'edit')).toEqual([]);
    // Only edited graphs are cached, never the raw download.
    expect(store.keys().filter((k) => k.endsWith('.onnx'))).toEqual([]);
    await Promise.all([again.audio.dispose(), again.text.dispose()]);
  });

  it('runs wav2vec2 once per clip and derives transcript and features from that pass', async () => {
    let calls = 0;
    const original = encoders.audio.encode.bind(encoders.audio);
    const counted: EncoderPair = {
      ...encoders,
      audio: Object.assign(Object.create(encoders.audio) as typeof encoders.audio, {
        encode: (x: Float32Array) => ((calls += 1), original(x)),
      }),
    };
    const rel = 'Actor_01/03-01-01-01-01-01-01.wav';
    const { summary, audioFeatures, textFeatures } = await analyseClip(counted, clip(rel));
    expect(calls).toBe(1);
    // One window (the clip is under 20 s): the conv stack's frames for the samples the WAV header counts.
    const frames = wav2vec2Frames(ravdessSamples(rel));
    expect(frames).toBeGreaterThan(0);
    expect(summary.windows).toBe(1);
    expect(summary.audioFeatures).toEqual({ frames, dim: 32 });
    expect(audioFeatures.data.length).toBe(frames * 32);
    expect(Array.from(audioFeatures.data).filter((v) => !Number.isFinite(v))).toEqual([]);
    expect(typeof summary.transcript).toBe('string');
    expect(summary.transcript).toMatch(/^[A-Z' ]*$/);
    expect(textFeatures.rows).toBe(summary.textFeatures.tokens);
    expect(summary.emotion).toBeNull();
  });

  it('gives the same result for the same clip (deterministic)', async () => {
    const a = await analyseClip(encoders, clip('Actor_02/03-01-03-01-02-01-02.wav'));
    const b = await analyseClip(encoders, clip('Actor_02/03-01-03-01-02-01-02.wav'));
    expect(b.summary.transcript).toBe(a.summary.transcript);
    expect(b.audioFeatures.data).toEqual(a.audioFeatures.data);
  });

  it('splits a 45 s clip into 20 s windows and concatenates their frames', async () => {
    const parts = ['Actor_03/03-01-05-01-01-01-03.wav', 'Actor_04/03-01-04-02-02-02-04.wav'].map(clip);
    const long = new Float32Array(16000 * 45);
    // The two clips end to end, as often as 45 s holds (the last one cut short).
    for (let o = 0, i = 0; o < long.length; i++) {
      const part = (parts[i % 2] ?? new Float32Array()).subarray(0, long.length - o);
      if (part.length === 0) throw new Error('empty clip');
      long.set(part, o);
      o += part.length;
    }
    const { summary } = await analyseClip(encoders, long);
    expect(summary.windows).toBe(3);
    // Windows of 320000, 320000 and 80000 samples: 999 + 999 + 249 frames.
    expect(summary.audioFeatures.frames).toBe(999 + 999 + 249);
    expect(summary.durationS).toBeCloseTo(45, 6);
  });

  const bad: { name: string; pcm: () => Float32Array; code: string }[] = [
    { name: 'an empty clip', pcm: () => new Float32Array(0), code: 'empty-audio' },
    {
      name: 'a 0.2 s clip',
      pcm: () => clip('Actor_01/03-01-01-01-01-01-01.wav').subarray(16000, 19200),
      code: 'too-short',
    },
    { name: 'an all-silent clip', pcm: () => new Float32Array(32000), code: 'silent' },
    { name: 'a 61 s clip', pcm: () => new Float32Array(16000 * 61).fill(0.1), code: 'too-long' },
  ];
  it.each(bad)('refuses $name with code $code', async ({ pcm, code }) => {
    await expect(analyseClip(encoders, pcm())).rejects.toMatchObject({ code });
  });

  it('runs the lite pair with no download and no transcript', async () => {
    fetches = [];
    const lite = await loadNodeEncoders({ pair: 'lite', store: new MemoryStore(), fetchImpl: countingFetch });
    const rel = 'Actor_01/03-01-01-01-01-01-01.wav';
    const { summary } = await analyseClip(lite, clip(rel));
    expect(fetches).toEqual([]);
    expect(summary.transcript).toBeNull();
    // Log-mel frames of 80 bands (as many as wav2vec2 gives for the clip's samples), stacked in fours as the
    // manifest asks (a partial last group is dropped), after the utterance statistics' prefix: three blocks of
    // ceil((636 + 1) / 320) = 2 rows.
    const logMelFrames = wav2vec2Frames(ravdessSamples(rel));
    expect(logMelFrames).toBeGreaterThan(4);
    expect(summary.audioFeatures).toEqual({ frames: 3 * 2 + Math.floor(logMelFrames / 4), dim: 320 });
    expect(summary.textFeatures).toEqual({ tokens: 2, dim: 256 });
  });
});
