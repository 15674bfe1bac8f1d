import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { MAX_CLIP_SECONDS, MIN_CLIP_SECONDS, WINDOW_SECONDS, checkClip, splitWindows } from '../../src/audio/validate';

function clip(seconds: number, rate: number, level = 0.1): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => level * Math.sin(i / 3));
}

function caught(fn: () => void): AppError | null {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  return null;
}

describe('limits', () => {
  it('are the documented values', () => {
    expect([MIN_CLIP_SECONDS, MAX_CLIP_SECONDS, WINDOW_SECONDS]).toEqual([0.25, 60, 20]);
  });
});

describe('checkClip rejects clips it cannot analyse', () => {
  it.each([
    { name: 'no samples', pcm: new Float32Array(0), rate: 16000, code: 'empty-audio', words: [/no audio/] },
    { name: '0.1 s', pcm: clip(0.1, 16000), rate: 16000, code: 'too-short', words: [/0\.10 s/, /0\.25 s/] },
    {
      name: 'one sample short of 0.25 s',
      pcm: clip(0.25, 16000).subarray(1),
      rate: 16000,
      code: 'too-short',
      words: [/0\.24 s/, /0\.25 s/],
    },
    { name: '75 s', pcm: clip(75, 8000), rate: 8000, code: 'too-long', words: [/75\.00 s/, /60 s/] },
    {
      name: 'one NaN sample',
      pcm: clip(1, 16000).fill(Number.NaN, 800, 801),
      rate: 16000,
      code: 'decode-failed',
      words: [/1 of its 16,000 samples is not a number/, /sample 800/],
    },
    {
      name: 'infinities',
      pcm: clip(1, 16000).fill(Number.POSITIVE_INFINITY, 10, 13),
      rate: 16000,
      code: 'decode-failed',
      words: [/3 of its 16,000 samples are not a number/, /sample 10\b/],
    },
    {
      name: 'one sample over 60 s',
      pcm: clip(60 + 1 / 8000, 8000),
      rate: 8000,
      code: 'too-long',
      words: [/60\.01 s/, /maximum is 60 s/],
    },
    {
      name: 'all zeros',
      pcm: new Float32Array(16000),
      rate: 16000,
      code: 'silent',
      words: [/Nothing was heard/, /-60 dBFS/],
    },
    {
      name: 'quieter than -60 dBFS',
      pcm: clip(1, 16000, 0.0009),
      rate: 16000,
      code: 'silent',
      words: [/Nothing was heard/],
    },
  ])('$name -> $code', ({ pcm, rate, code, words }) => {
    const err = caught(() => {
      checkClip(pcm, rate);
    });
    expect(err?.code).toBe(code);
    for (const w of words) expect(err?.message).toMatch(w);
  });

  it.each([0, -1, Number.NaN])('rejects a sample rate of %s', (rate) => {
    expect(() => {
      checkClip(clip(1, 16000), rate);
    }).toThrow(AppError);
  });
});

describe('checkClip accepts clips it can analyse', () => {
  const oneLoudSample = new Float32Array(16000);
  oneLoudSample[12345] = -0.002;
  it.each([
    { name: 'exactly 0.25 s', pcm: clip(0.25, 16000) },
    { name: 'exactly 60 s', pcm: clip(60, 8000), rate: 8000 },
    { name: 'a second of speech-level signal', pcm: clip(1, 16000) },
    { name: 'silence with one negative sample above -60 dBFS', pcm: oneLoudSample },
    { name: 'a peak of exactly 1e-3', pcm: clip(1, 16000, 0).fill(0.001, 100, 101) },
  ])('$name', ({ pcm, rate }) => {
    expect(() => {
      checkClip(pcm, rate ?? 16000);
    }).not.toThrow();
  });
});

describe('splitWindows', () => {
  it.each([
    { name: 'empty', n: 0, window: 1, expected: [] },
    { name: 'shorter than a window', n: 50, window: 1, expected: [50] },
    { name: 'exactly one window', n: 100, window: 1, expected: [100] },
    { name: 'two and a half windows', n: 250, window: 1, expected: [100, 100, 50] },
    { name: 'tail shorter than 0.25 s merges', n: 220, window: 1, expected: [100, 120] },
    { name: 'tail of exactly 0.25 s stays', n: 225, window: 1, expected: [100, 100, 25] },
    { name: 'one sample over a window merges', n: 101, window: 1, expected: [101] },
    { name: 'window shorter than the minimum', n: 50, window: 0.2, expected: [20, 30] },
  ])('$name: $n samples at 100 Hz in $window s windows', ({ n, window, expected }) => {
    const pcm = Float32Array.from({ length: n }, (_, i) => i);
    const windows = splitWindows(pcm, 100, window);
    expect(windows.map((w) => w.length)).toEqual(expected);
    // Consecutive views of the same buffer covering every sample once.
    let next = 0;
    for (const w of windows) {
      expect(w.buffer).toBe(pcm.buffer);
      expect(w[0]).toBe(next);
      next += w.length;
    }
    expect(next).toBe(n);
  });

  it('uses 20 s windows by default', () => {
    const windows = splitWindows(new Float32Array(45 * 16000), 16000);
    expect(windows.map((w) => w.length)).toEqual([320000, 320000, 80000]);
    expect(windows[1]?.byteOffset).toBe(320000 * 4);
  });

  it.each([0, -5, Number.NaN])('rejects a window of %s s', (window) => {
    expect(() => splitWindows(new Float32Array(10), 100, window)).toThrow(AppError);
  });
});
