import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initNodeEngine } from '../../src/mmer/engine-node';

describe('training engine in Node', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    { order: ['wasm', 'cpu'] as const, backend: 'wasm', rejected: [] as string[] },
    { order: ['cpu'] as const, backend: 'cpu', rejected: [] as string[] },
    { order: ['webgpu', 'cpu'] as const, backend: 'cpu', rejected: ['webgpu'] },
  ])('order $order starts $backend', async ({ order, backend, rejected }) => {
    const info = await initNodeEngine(order);
    expect(info.backend).toBe(backend);
    expect(tf.getBackend()).toBe(backend);
    expect(info.rejected.map((r) => r.backend)).toEqual(rejected);
  });

  it('fails with every reason when nothing can start', async () => {
    await expect(initNodeEngine(['webgpu'])).rejects.toThrow(/No training backend could start: webgpu: not available/);
  });
});
