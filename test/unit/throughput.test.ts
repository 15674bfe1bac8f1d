import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatSlowdown } from '../../src/components/training/slowdown';
import { initNodeEngine } from '../../src/mmer/engine-node';
import {
  estimateSlowdown,
  measureMatmulRate,
  WEBGPU_REFERENCE_GFLOPS,
  type MatmulRate,
} from '../../src/mmer/throughput';

const rate = (gflops: number): MatmulRate => ({
  backend: 'wasm',
  size: 512,
  runs: 3,
  msPerRun: (2 * 512 ** 3) / (gflops * 1e6),
  gflops,
});

describe('measureMatmulRate', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await initNodeEngine(['wasm', 'cpu']);
  });

  it('times read-back products on the active backend and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const r = await measureMatmulRate({ size: 64, budgetMs: 50 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.backend).toBe(tf.getBackend());
    expect(r.runs).toBeGreaterThanOrEqual(3);
    expect(r.gflops).toBeCloseTo((2 * 64 ** 3) / (r.msPerRun * 1e6), 6);
    expect(r.gflops).toBeGreaterThan(0);
  });
});

describe('estimateSlowdown', () => {
  it.each([
    // [measured GFLOP/s, low, high]
    [20, WEBGPU_REFERENCE_GFLOPS.low / 20, WEBGPU_REFERENCE_GFLOPS.high / 20],
    [0.5, 200, 1800],
    // A device faster than the low reference is never called faster than a GPU.
    [300, 1, 3],
    [5000, 1, 1],
  ])('%d GFLOP/s -> %d-%d times', (g, low, high) => {
    const e = estimateSlowdown(rate(g));
    expect(e?.low).toBeCloseTo(low, 9);
    expect(e?.high).toBeCloseTo(high, 9);
  });

  it.each([0, Number.NaN, Number.POSITIVE_INFINITY, -3])('gives no estimate from a broken measurement (%d)', (g) => {
    expect(estimateSlowdown(rate(g))).toBeNull();
  });
});

describe('formatSlowdown', () => {
  it.each([
    [5, 45, 'about 5-45 times'],
    [1, 3, 'about 1.0-3 times'],
    [1.26, 1.3, 'about 1.3 times'],
    [135.2, 1216.9, 'about 135-1215 times'],
    [9.6, 11, 'about 10 times'],
  ])('%d-%d -> %s', (low, high, text) => {
    expect(formatSlowdown({ low, high })).toBe(text);
  });
});
