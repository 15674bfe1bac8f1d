import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initNodeEngine } from '../../src/mmer/engine-node';

describe('threaded wasm engine in Node', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('starts two threads and multiplies as the cpu backend does', async () => {
    const info = await initNodeEngine(['wasm'], { threads: 2 });
    expect(info).toMatchObject({ backend: 'wasm', threads: 2 });
    const product = async (): Promise<Float32Array> => {
      const y = tf.tidy(() => {
        const a = tf.tensor2d(
          Array.from({ length: 64 * 96 }, (_, i) => Math.sin(i)),
          [64, 96],
        );
        const b = tf.tensor2d(
          Array.from({ length: 96 * 80 }, (_, i) => Math.cos(i)),
          [96, 80],
        );
        return tf.matMul(a, b);
      });
      const data = (await y.data()) as Float32Array;
      y.dispose();
      return data;
    };
    const got = await product();
    await tf.setBackend('cpu');
    const want = await product();
    await tf.setBackend('wasm');
    const worst = want.reduce((m, v, i) => Math.max(m, Math.abs(v - (got[i] ?? Number.NaN))), 0);
    expect(worst).toBeLessThan(1e-4);
  });
});
