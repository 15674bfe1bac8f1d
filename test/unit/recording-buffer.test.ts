import { describe, expect, it } from 'vitest';
import { formatClock, levelToMeter, RecordingBuffer, rms } from '../../src/audio/recording-buffer';

function ramp(n: number, start = 0): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (start + i) / 1000);
}

describe('RecordingBuffer', () => {
  it('concatenates chunks in order and counts elapsed seconds', () => {
    const buf = new RecordingBuffer({ sampleRate: 16_000, maxSeconds: 60 });
    expect(buf.length).toBe(0);
    expect(buf.elapsedSeconds).toBe(0);
    expect(buf.toArray()).toHaveLength(0);

    buf.push(ramp(3));
    buf.push(new Float32Array(0));
    buf.push(ramp(2, 3));
    expect(buf.length).toBe(5);
    expect(Array.from(buf.toArray())).toEqual(Array.from(ramp(5)));

    buf.push(new Float32Array(16_000 - 5));
    expect(buf.elapsedSeconds).toBeCloseTo(1, 12);
    expect(buf.full).toBe(false);
  });

  it('copies pushed chunks, so the caller may reuse its array', () => {
    const buf = new RecordingBuffer({ sampleRate: 10, maxSeconds: 10 });
    const chunk = Float32Array.of(1, 2, 3);
    buf.push(chunk);
    chunk.fill(0);
    expect(Array.from(buf.toArray())).toEqual([1, 2, 3]);
  });

  it('stops at the limit, keeps exactly maxSeconds and reports full', () => {
    const buf = new RecordingBuffer({ sampleRate: 100, maxSeconds: 1 });
    expect(buf.maxSamples).toBe(100);
    let r = buf.push(new Float32Array(60).fill(0.5));
    expect(r).toEqual({ accepted: 60, full: false });
    r = buf.push(new Float32Array(60).fill(0.25));
    expect(r).toEqual({ accepted: 40, full: true });
    expect(buf.full).toBe(true);
    expect(buf.elapsedSeconds).toBe(1);

    // Anything after the limit is dropped.
    r = buf.push(new Float32Array(10).fill(1));
    expect(r).toEqual({ accepted: 0, full: true });
    const all = buf.toArray();
    expect(all).toHaveLength(100);
    expect(all[59]).toBe(0.5);
    expect(all[60]).toBe(0.25);
    expect(all[99]).toBe(0.25);
  });

  it('reaches full exactly when a chunk ends on the limit', () => {
    const buf = new RecordingBuffer({ sampleRate: 16_000, maxSeconds: 0.5 });
    for (let i = 0; i < 7; i++) expect(buf.push(new Float32Array(1000)).full).toBe(false);
    expect(buf.push(new Float32Array(1000)).full).toBe(true);
    expect(buf.length).toBe(8000);
  });

  it('tracks a peak-held level that rises at once and decays over time', () => {
    const buf = new RecordingBuffer({ sampleRate: 16_000, maxSeconds: 60, levelDecayPerSecond: 0.25 });
    expect(buf.level).toBe(0);
    expect(buf.observeLevel(new Float32Array(100).fill(0.5), 0.01)).toBeCloseTo(0.5, 6);
    // Half a second of silence: the level falls to 0.5 * 0.25^0.5 = 0.25.
    expect(buf.observeLevel(new Float32Array(100), 0.5)).toBeCloseTo(0.25, 6);
    // A louder block wins over the held level.
    expect(buf.observeLevel(new Float32Array(100).fill(-0.8), 0.01)).toBeCloseTo(0.8, 6);
    buf.clear();
    expect(buf.level).toBe(0);
    expect(buf.length).toBe(0);
  });

  it('rejects nonsense options', () => {
    expect(() => new RecordingBuffer({ sampleRate: 0, maxSeconds: 1 })).toThrow(RangeError);
    expect(() => new RecordingBuffer({ sampleRate: Number.NaN, maxSeconds: 1 })).toThrow(RangeError);
    expect(() => new RecordingBuffer({ sampleRate: 16_000, maxSeconds: 0 })).toThrow(RangeError);
  });
});

describe('rms', () => {
  it('is 0 for empty or silent input and the amplitude for a constant', () => {
    expect(rms(new Float32Array(0))).toBe(0);
    expect(rms(new Float32Array(64))).toBe(0);
    expect(rms(new Float32Array(64).fill(-0.5))).toBeCloseTo(0.5, 7);
  });

  it('is amplitude / sqrt(2) for a full-period sine', () => {
    const n = 1600;
    const sine = Float32Array.from({ length: n }, (_, i) => 0.8 * Math.sin((2 * Math.PI * 10 * i) / n));
    expect(rms(sine)).toBeCloseTo(0.8 / Math.SQRT2, 5);
  });
});

describe('levelToMeter', () => {
  it('maps -60..0 dBFS onto 0..1 and clamps', () => {
    expect(levelToMeter(0)).toBe(0);
    expect(levelToMeter(Number.NaN)).toBe(0);
    expect(levelToMeter(1e-6)).toBe(0);
    expect(levelToMeter(1)).toBe(1);
    expect(levelToMeter(2)).toBe(1);
    expect(levelToMeter(0.001)).toBeCloseTo(0, 9);
    expect(levelToMeter(Math.SQRT1_2 / 1000 ** 0.5)).toBeGreaterThan(0);
    expect(levelToMeter(10 ** (-30 / 20))).toBeCloseTo(0.5, 9);
  });
});

describe('formatClock', () => {
  it('shows m:ss rounded down', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(3.99)).toBe('0:03');
    expect(formatClock(60)).toBe('1:00');
    expect(formatClock(59.9999999999)).toBe('1:00');
    expect(formatClock(125.2)).toBe('2:05');
    expect(formatClock(-1)).toBe('0:00');
  });
});
