import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { StreamingResampler, resample } from '../../src/audio/resample';

function tone(freq: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  const x = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < x.length; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

/** The middle of a signal, away from the edges where the filter sees the implicit zero padding. */
function middle(x: Float32Array, rate: number): Float32Array {
  const edge = Math.round(0.1 * rate);
  return x.subarray(edge, x.length - edge);
}

/** Amplitude of the component at `freq` (single-bin DFT over the whole segment). */
function amplitudeAt(x: Float32Array, freq: number, rate: number): number {
  let re = 0;
  let im = 0;
  for (let i = 0; i < x.length; i++) {
    const phase = (2 * Math.PI * freq * i) / rate;
    re += (x[i] ?? 0) * Math.cos(phase);
    im += (x[i] ?? 0) * Math.sin(phase);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

/** Frequency from rising zero crossings, linearly interpolated between samples. */
function zeroCrossingFrequency(x: Float32Array, rate: number): number {
  const times: number[] = [];
  for (let i = 1; i < x.length; i++) {
    const a = x[i - 1] ?? 0;
    const b = x[i] ?? 0;
    if (a < 0 && b >= 0) times.push(i - 1 + a / (a - b));
  }
  const first = times[0] ?? 0;
  const last = times[times.length - 1] ?? 0;
  return ((times.length - 1) * rate) / (last - first);
}

/** Frequency of the largest DFT bin of the first `size` samples. */
function dftPeak(x: Float32Array, rate: number, size: number): number {
  let best = 0;
  let bestMag = -1;
  for (let k = 1; k < size / 2; k++) {
    const mag = amplitudeAt(x.subarray(0, size), (k * rate) / size, rate);
    if (mag > bestMag) {
      bestMag = mag;
      best = k;
    }
  }
  return (best * rate) / size;
}

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / x.length);
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('resample: a 1 kHz tone keeps its frequency and amplitude', () => {
  it.each([
    { from: 48000, to: 16000 },
    { from: 44100, to: 16000 },
    { from: 22050, to: 16000 },
    { from: 8000, to: 16000 },
    { from: 16000, to: 44100 },
  ])('$from -> $to Hz', ({ from, to }) => {
    const y = middle(resample(tone(1000, from, 1), from, to), to);
    expect(zeroCrossingFrequency(y, to)).toBeCloseTo(1000, 0);
    expect(dftPeak(y, to, Math.round(to / 10))).toBe(1000);
    expect(Math.abs(amplitudeAt(y, 1000, to) / 0.5 - 1)).toBeLessThan(0.01);
    // Every sample, not just the average, stays on the ideal sine.
    const peak = Math.max(...Array.from(y, Math.abs));
    expect(Math.abs(peak / 0.5 - 1)).toBeLessThan(0.01);
  });
});

describe('resample: anti-aliasing', () => {
  it.each([
    { name: '7 kHz at 48k passes', from: 48000, freq: 7000, pass: true },
    { name: '7 kHz at 44.1k passes', from: 44100, freq: 7000, pass: true },
    { name: '10 kHz at 48k is removed', from: 48000, freq: 10000, pass: false },
    { name: '9 kHz at 44.1k is removed', from: 44100, freq: 9000, pass: false },
    { name: '12 kHz at 48k is removed', from: 48000, freq: 12000, pass: false },
    { name: '7.2 kHz (passband edge) at 48k passes', from: 48000, freq: 7200, pass: true },
    // Just past the 8 kHz Nyquist frequency the design's full 80 dB stopband already applies.
    { name: '8.2 kHz at 48k is removed by > 75 dB', from: 48000, freq: 8200, pass: false, floorDb: -75 },
    { name: '8.5 kHz at 44.1k is removed by > 75 dB', from: 44100, freq: 8500, pass: false, floorDb: -75 },
  ])('$name', ({ from, freq, pass, floorDb }) => {
    const y = middle(resample(tone(freq, from, 1), from, 16000), 16000);
    const gainDb = 20 * Math.log10(rms(y) / (0.5 / Math.SQRT2));
    if (pass) expect(gainDb).toBeGreaterThan(-0.1);
    else expect(gainDb).toBeLessThan(floorDb ?? -40);
  });
});

describe('resample: lengths and edge cases', () => {
  it.each([
    { n: 0, from: 48000, to: 16000, expected: 0 },
    { n: 1, from: 48000, to: 16000, expected: 0 },
    { n: 2, from: 48000, to: 16000, expected: 1 },
    { n: 48000, from: 48000, to: 16000, expected: 16000 },
    { n: 44100, from: 44100, to: 16000, expected: 16000 },
    { n: 12345, from: 44100, to: 16000, expected: 4479 },
    { n: 22051, from: 22050, to: 16000, expected: 16001 },
    { n: 8000, from: 8000, to: 16000, expected: 16000 },
    { n: 7, from: 8000, to: 16000, expected: 14 },
    { n: 1000, from: 16001, to: 16000, expected: 1000 },
    { n: 38229, from: 16000, to: 16000, expected: 38229 },
  ])('$n samples $from -> $to gives $expected', ({ n, from, to, expected }) => {
    const y = resample(tone(300, from, n / from), from, to);
    expect(y.length).toBe(expected);
    expect(Array.from(y).filter((v) => !Number.isFinite(v))).toEqual([]);
  });

  it('returns a copy when the rates are equal', () => {
    const x = tone(440, 16000, 0.1);
    const y = resample(x, 16000, 16000);
    expect(y).not.toBe(x);
    expect(y).toEqual(x);
  });

  it('keeps DC level (unit gain at 0 Hz)', () => {
    const y = middle(resample(new Float32Array(44100).fill(0.25), 44100, 16000), 16000);
    for (const v of y) expect(v).toBeCloseTo(0.25, 3);
  });

  it.each([0, -16000, Number.NaN, Number.POSITIVE_INFINITY])('rejects a sample rate of %s', (rate) => {
    expect(() => resample(new Float32Array(10), rate, 16000)).toThrow(AppError);
    expect(() => new StreamingResampler(16000, rate)).toThrow(/sample rate/);
  });
});

describe('StreamingResampler matches one-shot resample', () => {
  it.each([
    { from: 48000, chunk: 128 },
    { from: 44100, chunk: 128 },
    { from: 22050, chunk: 128 },
    { from: 8000, chunk: 128 },
    { from: 16000, chunk: 128 },
    { from: 16001, chunk: 128 },
    { from: 44100, chunk: 1 },
    { from: 48000, chunk: 4096 },
  ])('$from Hz in chunks of $chunk', ({ from, chunk }) => {
    const x = tone(440, from, 0.37);
    for (let i = 0; i < x.length; i += 97) x[i] = (x[i] ?? 0) + 0.3; // Make it broadband.
    const stream = new StreamingResampler(from, 16000);
    const parts: Float32Array[] = [];
    for (let i = 0; i < x.length; i += chunk) parts.push(stream.push(x.subarray(i, i + chunk)));
    parts.push(stream.flush());
    const streamed = concat(parts);
    const oneShot = resample(x, from, 16000);
    expect(streamed.length).toBe(oneShot.length);
    let maxDiff = 0;
    for (let i = 0; i < oneShot.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs((streamed[i] ?? 0) - (oneShot[i] ?? 0)));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('handles irregular chunk sizes, including empty ones', () => {
    const x = tone(1000, 44100, 0.2);
    const stream = new StreamingResampler(44100, 16000);
    const parts: Float32Array[] = [];
    const sizes = [0, 1, 5, 128, 0, 3000, 17];
    for (let i = 0, s = 0; i < x.length; s++) {
      const size = sizes[s % sizes.length] ?? 1;
      parts.push(stream.push(x.subarray(i, i + size)));
      i += size;
    }
    parts.push(stream.flush());
    expect(concat(parts)).toEqual(resample(x, 44100, 16000));
  });

  it('emits output while recording, not only at the end', () => {
    const stream = new StreamingResampler(48000, 16000);
    let emitted = 0;
    for (let i = 0; i < 100; i++) emitted += stream.push(new Float32Array(128)).length;
    expect(emitted).toBeGreaterThan(4000);
    expect(emitted + stream.flush().length).toBe(Math.round((100 * 128) / 3));
    expect(stream.flush().length).toBe(0);
  });
});
