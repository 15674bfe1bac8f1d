import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/rng';
import { ParamStore, type SerialisedParams } from '../../src/mmer/params';
import { fit, type FitState, type TrainExample } from '../../src/mmer/trainer';
import { ParamAverage } from '../../src/mmer/weight-average';
import { TINY_MMER_CONFIG as config } from '../tiny-mmer-config';

function dataset(n: number, seed: number): TrainExample[] {
  const rand = mulberry32(seed);
  const mat = (rows: number, dim: number, label: number) => ({
    rows,
    dim,
    data: Float32Array.from({ length: rows * dim }, (_, i) => rand() - 0.5 + (i % dim === label ? 1.5 : 0)),
  });
  return Array.from({ length: n }, (_, i) => ({
    audio: mat(7, 6, i % 3),
    text: mat(3, 5, i % 3),
    label: i % 3,
    ctcTarget: null,
    augmented: null,
  }));
}

function worstGap(a: SerialisedParams, b: SerialisedParams): number {
  let worst = 0;
  for (const [name, e] of Object.entries(a)) {
    const g = b[name];
    if (g === undefined) throw new Error(`missing ${name}`);
    worst = Math.max(
      worst,
      e.data.reduce((m, v, i) => Math.max(m, Math.abs(v - (g.data[i] ?? Number.NaN))), 0),
    );
  }
  return worst;
}

describe('ParamAverage', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('follows avg = d*avg + (1-d)*w, swaps in and out, and refuses a decay outside [0, 1)', async () => {
    const store = ParamStore.init(config, 1);
    const w0 = await store.serialise();
    const avg = new ParamAverage(store, 0.75);
    const w1 = ParamStore.init(config, 2);
    store.assign(await w1.serialise());
    avg.update();
    const average = await avg.average();
    const w1Data = await w1.serialise();
    for (const [name, e] of Object.entries(average)) {
      const expected = (w0[name]?.data ?? []).map((v, i) => 0.75 * v + 0.25 * (w1Data[name]?.data[i] ?? Number.NaN));
      expect(
        worstGap({ [name]: e }, { [name]: { shape: e.shape, data: Float32Array.from(expected) } }),
        name,
      ).toBeLessThan(1e-6);
    }
    avg.swap();
    expect(avg.averaged).toBe(true);
    expect(worstGap(await store.serialise(), average)).toBe(0);
    expect(worstGap(await avg.raw(), w1Data)).toBe(0);
    expect(() => {
      avg.update();
    }).toThrow(/stood in/);
    avg.swap();
    expect(worstGap(await store.serialise(), w1Data)).toBe(0);
    avg.dispose();
    w1.dispose();
    store.dispose();
    expect(() => new ParamAverage(ParamStore.init(config, 3), 1)).toThrow(/\[0, 1\)/);
  });

  it('makes fit keep the average, and a resumed run ends where one in one go does', async () => {
    const train = dataset(12, 21);
    const options = { epochs: 3, batchSize: 4, patience: 0, seed: 2, optimizer: { lr: 3e-3 }, averageDecay: 0.9 };
    const whole = ParamStore.init(config, 4);
    const before = tf.memory().numTensors;
    let last: FitState | null = null;
    await fit(whole, config, train, [], {
      ...options,
      onEpochEnd: async (s) => {
        last = s;
        await Promise.resolve();
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    const final = last as FitState | null;
    if (final === null || final.average === null) throw new Error('no weight average reached onEpochEnd');
    // Without validation the run keeps its last average, not the raw weights it trained.
    expect(worstGap(await whole.serialise(), final.average)).toBe(0);
    expect(worstGap(final.params, final.average)).toBeGreaterThan(1e-4);

    let mid: FitState | null = null;
    const first = ParamStore.init(config, 4);
    await fit(first, config, train, [], {
      ...options,
      epochs: 1,
      onEpochEnd: async (s) => {
        mid = s;
        await Promise.resolve();
      },
    });
    first.dispose();
    const saved = mid as FitState | null;
    if (saved === null) throw new Error('onEpochEnd was not called');
    const resumed = ParamStore.load(config, saved.params);
    let end: FitState | null = null;
    await fit(resumed, config, train, [], {
      ...options,
      resume: saved,
      onEpochEnd: async (s) => {
        end = s;
        await Promise.resolve();
      },
    });
    resumed.dispose();
    const got = end as FitState | null;
    if (got?.average == null) throw new Error('the resumed run kept no average');
    expect(worstGap(got.average, final.average)).toBeLessThan(1e-6);
    expect(worstGap(got.params, final.params)).toBeLessThan(1e-6);
    whole.dispose();
  });
});
