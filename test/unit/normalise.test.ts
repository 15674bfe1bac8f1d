import { describe, expect, it } from 'vitest';
import { normalise } from '../../src/audio/normalise';

function stats(x: Float32Array): { mean: number; variance: number } {
  let sum = 0;
  for (const v of x) sum += v;
  const mean = sum / x.length;
  let sq = 0;
  for (const v of x) sq += (v - mean) ** 2;
  return { mean, variance: sq / x.length };
}

function signal(n: number, f: (i: number) => number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => f(i));
}

/** A deterministic pseudo-random sequence in [-0.5, 0.5). */
function noise(n: number, seed = 1): Float32Array {
  let s = seed;
  return signal(n, () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  });
}

describe('normalise gives zero mean and (up to the epsilon) unit variance', () => {
  it.each([
    { name: 'noise', x: noise(16000) },
    { name: 'quiet sine', x: signal(8000, (i) => 0.05 * Math.sin(i / 7)) },
    { name: 'sine on a DC offset', x: signal(8000, (i) => 0.3 + 0.1 * Math.sin(i / 3)) },
    // A large offset with a small signal: float32 accumulation would lose the signal.
    { name: 'small signal on a large offset', x: signal(100000, (i) => 1000 + (i % 2 === 0 ? 0.01 : -0.01)) },
    { name: 'a minute of noise', x: noise(16000 * 60, 7) },
  ])('$name', ({ x }) => {
    const y = normalise(x);
    expect(y).toBeInstanceOf(Float32Array);
    expect(y.length).toBe(x.length);
    const { mean, variance } = stats(y);
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    // The 1e-7 epsilon pulls the variance of quiet input slightly below 1.
    const inputVariance = stats(x).variance;
    expect(variance).toBeCloseTo(inputVariance / (inputVariance + 1e-7), 4);
    expect(variance).toBeGreaterThan(0.99);
  });
});

describe('normalise matches the reference formula', () => {
  it('equals (x - mean) / sqrt(var + 1e-7) sample by sample', () => {
    const x = noise(1000, 3);
    const { mean, variance } = stats(x);
    const y = normalise(x);
    for (let i = 0; i < x.length; i++) {
      expect(y[i]).toBeCloseTo(((x[i] ?? 0) - mean) / Math.sqrt(variance + 1e-7), 5);
    }
  });

  it('applies the epsilon, so near-silence is not blown up to unit variance', () => {
    const y = normalise(signal(1000, (i) => (i % 2 === 0 ? 1e-5 : -1e-5)));
    // var = 1e-10, so the scale is 1/sqrt(1e-10 + 1e-7), not 1/sqrt(1e-10).
    expect(y[0]).toBeCloseTo(1e-5 / Math.sqrt(1e-10 + 1e-7), 6);
  });

  it.each([
    { name: 'constant', x: new Float32Array(500).fill(0.7) },
    { name: 'zeros', x: new Float32Array(500) },
    { name: 'single sample', x: Float32Array.of(0.5) },
  ])('$name input gives zeros, not NaN', ({ x }) => {
    const y = normalise(x);
    expect(y.length).toBe(x.length);
    for (const v of y) expect(v).toBe(0);
  });

  it('returns an empty array for empty input', () => {
    expect(normalise(new Float32Array(0))).toEqual(new Float32Array(0));
  });

  it('does not modify its input', () => {
    const x = noise(100);
    const copy = x.slice();
    normalise(x);
    expect(x).toEqual(copy);
  });
});
