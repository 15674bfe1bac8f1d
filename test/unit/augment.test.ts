import { describe, expect, it } from 'vitest';
import { augmentAudio, DEFAULT_AUDIO_AUGMENT, drawAugmentation } from '../../src/mmer/augment';

const RATE = 16_000;

function sine(seconds: number, freq: number, amp: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / RATE);
  return x;
}

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / x.length);
}

function peak(x: Float32Array): number {
  let p = 0;
  for (const v of x) p = Math.max(p, Math.abs(v));
  return p;
}

const clean = sine(1, 440, 0.3);

describe('drawAugmentation', () => {
  it('draws within the default ranges, with the speed on whole percents', () => {
    for (let seed = 0; seed < 200; seed++) {
      const a = drawAugmentation(seed);
      expect(a.speed).toBeGreaterThanOrEqual(0.9);
      expect(a.speed).toBeLessThanOrEqual(1.1);
      expect(Math.round(a.speed * 100) / 100).toBe(a.speed);
      expect(a.snrDb).toBeGreaterThanOrEqual(10);
      expect(a.snrDb).toBeLessThanOrEqual(30);
      expect(a.gainDb).toBeGreaterThanOrEqual(-6);
      expect(a.gainDb).toBeLessThanOrEqual(6);
    }
    expect(DEFAULT_AUDIO_AUGMENT).toEqual({ speed: [0.9, 1.1], snrDb: [10, 30], gainDb: [-6, 6] });
  });

  it('covers the ranges rather than sticking to one value', () => {
    const draws = Array.from({ length: 200 }, (_, seed) => drawAugmentation(seed));
    expect(new Set(draws.map((d) => d.speed)).size).toBeGreaterThan(15);
    expect(Math.min(...draws.map((d) => d.snrDb))).toBeLessThan(12);
    expect(Math.max(...draws.map((d) => d.snrDb))).toBeGreaterThan(28);
  });

  it('gives exactly the value of a fixed range', () => {
    expect(drawAugmentation(5, { speed: [1.1, 1.1], snrDb: [20, 20], gainDb: [-3, -3] })).toEqual({
      speed: 1.1,
      snrDb: 20,
      gainDb: -3,
    });
  });

  it.each([
    { name: 'reversed', options: { snrDb: [30, 10] as [number, number] } },
    { name: 'zero speed', options: { speed: [0, 1] as [number, number] } },
    { name: 'NaN', options: { gainDb: [Number.NaN, 1] as [number, number] } },
  ])('rejects a malformed range: $name', ({ options }) => {
    expect(() => drawAugmentation(1, options)).toThrow(/must be a finite range/);
  });
});

describe('augmentAudio', () => {
  it.each([1, 2, 3, 4, 5, 6])('adds noise at the drawn SNR (seed %i)', (seed) => {
    const options = { speed: [1, 1] as [number, number], gainDb: [0, 0] as [number, number] };
    const { snrDb } = drawAugmentation(seed, options);
    const aug = augmentAudio(clean, seed, options);
    expect(aug.length).toBe(clean.length);
    const noise = aug.map((v, i) => v - (clean[i] ?? 0));
    const measured = 20 * Math.log10(rms(clean) / rms(noise));
    expect(Math.abs(measured - snrDb)).toBeLessThan(1);
  });

  it('keeps the SNR through a gain', () => {
    const options = {
      speed: [1, 1] as [number, number],
      snrDb: [15, 15] as [number, number],
      gainDb: [-4, -4] as [number, number],
    };
    const g = 10 ** (-4 / 20);
    const aug = augmentAudio(clean, 9, options);
    const noise = aug.map((v, i) => v - g * (clean[i] ?? 0));
    expect(20 * Math.log10((g * rms(clean)) / rms(noise))).toBeCloseTo(15, 3);
  });

  it.each([
    { speed: 1.1, length: Math.round(clean.length / 1.1) },
    { speed: 0.9, length: Math.round(clean.length / 0.9) },
    { speed: 1, length: clean.length },
  ])('speed $speed changes the length to n / speed', ({ speed, length }) => {
    const aug = augmentAudio(clean, 3, { speed: [speed, speed], snrDb: [200, 200], gainDb: [0, 0] });
    expect(Math.abs(aug.length - length)).toBeLessThanOrEqual(1);
  });

  it('speed 1.1 raises the pitch by 1.1 (zero crossings per second)', () => {
    const aug = augmentAudio(clean, 3, { speed: [1.1, 1.1], snrDb: [200, 200], gainDb: [0, 0] });
    let crossings = 0;
    // Skip the edges, where the resampler's kernel runs into the zero padding.
    for (let i = 200; i < aug.length - 200; i++) if ((aug[i - 1] ?? 0) < 0 && (aug[i] ?? 0) >= 0) crossings++;
    const freq = crossings / ((aug.length - 400) / RATE);
    expect(Math.abs(freq - 440 * 1.1)).toBeLessThan(3);
  });

  it.each([
    { gainDb: 6, ratio: 10 ** (6 / 20) },
    { gainDb: -6, ratio: 10 ** (-6 / 20) },
  ])('gain $gainDb dB scales the RMS by $ratio', ({ gainDb, ratio }) => {
    const aug = augmentAudio(clean, 4, { speed: [1, 1], snrDb: [200, 200], gainDb: [gainDb, gainDb] });
    expect(Math.abs(rms(aug) / rms(clean) / ratio - 1)).toBeLessThan(0.01);
  });

  it('clips to [-1, 1] only when the result would exceed it', () => {
    const loud = sine(0.5, 300, 0.9);
    const clipped = augmentAudio(loud, 1, { speed: [1, 1], snrDb: [200, 200], gainDb: [6, 6] });
    expect(peak(clipped)).toBe(1);
    const quiet = sine(0.5, 300, 0.2);
    const unclipped = augmentAudio(quiet, 1, { speed: [1, 1], snrDb: [200, 200], gainDb: [6, 6] });
    expect(peak(unclipped)).toBeCloseTo(0.2 * 10 ** (6 / 20), 4);
  });

  it('is deterministic for a seed, differs between seeds, and leaves the input alone', () => {
    const copy = clean.slice();
    const a = augmentAudio(clean, 42);
    expect(augmentAudio(clean, 42)).toEqual(a);
    expect(augmentAudio(clean, 43)).not.toEqual(a);
    expect(clean).toEqual(copy);
  });

  it('keeps a silent clip silent and handles an empty one', () => {
    const silent = augmentAudio(new Float32Array(1600), 1, { speed: [1, 1] });
    expect(peak(silent)).toBe(0);
    expect(augmentAudio(new Float32Array(0), 1).length).toBe(0);
  });
});
