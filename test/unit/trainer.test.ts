import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/rng';
import type { MmerConfig } from '../../src/mmer/config';
import { AdamW } from '../../src/mmer/optimizer';
import { ParamStore } from '../../src/mmer/params';
import { evaluate, fit, type FitState, type TrainExample } from '../../src/mmer/trainer';
import { TINY_MMER_CONFIG } from '../tiny-mmer-config';

const config: MmerConfig = TINY_MMER_CONFIG;

/** Clips whose class shifts the mean of some audio and text channels: learnable, but only from the features. */
function dataset(n: number, seed: number): TrainExample[] {
  const rand = mulberry32(seed);
  const mat = (rows: number, dim: number, label: number): { rows: number; dim: number; data: Float32Array } => ({
    rows,
    dim,
    data: Float32Array.from({ length: rows * dim }, (_, i) => rand() - 0.5 + (i % dim === label ? 1.5 : 0)),
  });
  return Array.from({ length: n }, (_, i) => {
    const label = i % 3;
    const frames = 6 + Math.floor(rand() * 5);
    return {
      audio: mat(frames, 6, label),
      text: mat(3 + (i % 2), 5, label),
      label,
      // Every third clip has no transcript: it must be skipped by CTC, not given a fake target.
      ctcTarget: i % 3 === 2 ? null : [1 + label, 2],
      augmented: { audio: mat(frames, 6, label), text: mat(3, 5, label) },
    };
  });
}

describe('fit', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('learns a separable task with the full multitask loss, leaking no tensors', async () => {
    const train = dataset(24, 1);
    const validation = dataset(12, 2);
    const params = ParamStore.init(config, 3);
    const before = tf.memory().numTensors;
    const steps: number[] = [];
    const result = await fit(params, config, train, validation, {
      epochs: 6,
      batchSize: 6,
      patience: 0,
      optimizer: { lr: 3e-3, warmupSteps: 2 },
      onStep: ({ loss }) => steps.push(loss.total),
    });
    expect(tf.memory().numTensors).toBe(before);
    const first = result.epochs[0]?.loss;
    const last = result.epochs.at(-1)?.loss;
    if (first === undefined || last === undefined) throw new Error('no epochs');
    expect(last.total).toBeLessThan(first.total * 0.8);
    for (const k of ['ce', 'ctc', 'supcon', 'acl'] as const) expect(first[k], k).toBeGreaterThan(0);
    expect(steps.filter((v) => !Number.isFinite(v))).toEqual([]);
    const trainMetrics = await evaluate(params, config, train);
    expect(trainMetrics.wa).toBeGreaterThan(0.8);
    // The kept parameters are those of the best validation epoch.
    const bestUa = Math.max(...result.epochs.map((e) => e.validation?.ua ?? 0));
    expect(result.bestValidation?.ua).toBe(bestUa);
    expect((await evaluate(params, config, validation)).ua).toBeCloseTo(bestUa, 10);
    params.dispose();
  });

  it('stops early after `patience` epochs without a better validation UA', async () => {
    const params = ParamStore.init(config, 4);
    // lr 0: nothing changes, so UA never improves after epoch 1.
    const result = await fit(params, config, dataset(6, 5), dataset(6, 6), {
      epochs: 10,
      batchSize: 6,
      patience: 2,
      optimizer: { lr: 0 },
    });
    expect(result.epochs).toHaveLength(3);
    expect(result.bestEpoch).toBe(1);
    params.dispose();
  });
});

describe('fit resume', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('ends with the same parameters after k epochs + resume as in one go, and pauses in beforeStep', async () => {
    const train = dataset(12, 11);
    const validation = dataset(6, 12);
    const options = { epochs: 4, batchSize: 5, patience: 0, seed: 3, optimizer: { lr: 3e-3, warmupSteps: 3 } };
    const whole = ParamStore.init(config, 5);
    const wholeResult = await fit(whole, config, train, validation, options);
    const expected = await whole.serialise();
    whole.dispose();

    const first = ParamStore.init(config, 5);
    const before = tf.memory().numTensors;
    let state: FitState | null = null;
    let stepsAwaited = 0;
    await fit(first, config, train, validation, {
      ...options,
      epochs: 2,
      beforeStep: async () => {
        stepsAwaited += 1;
        await new Promise((r) => setTimeout(r, 1));
      },
      onEpochEnd: async (s) => {
        state = s;
        await Promise.resolve();
      },
    });
    first.dispose();
    expect(stepsAwaited).toBe(2 * Math.ceil(12 / 5));
    const saved = state as FitState | null;
    if (saved === null) throw new Error('onEpochEnd was not called');
    expect(saved.epoch).toBe(2);
    expect(saved.optimizer.step).toBe(2 * Math.ceil(12 / 5));
    // A JSON round trip of the history (as a checkpoint stores it) must do.
    const resumed = ParamStore.load(config, saved.params);
    const history = JSON.parse(JSON.stringify(saved.history)) as FitState['history'];
    const result = await fit(resumed, config, train, validation, {
      ...options,
      resume: { epoch: saved.epoch, optimizer: saved.optimizer, best: saved.best, sinceBest: saved.sinceBest, history },
    });
    const got = await resumed.serialise();
    resumed.dispose();
    expect(tf.memory().numTensors).toBe(before - Object.keys(expected).length);
    for (const [name, e] of Object.entries(expected)) {
      const g = got[name];
      if (g === undefined) throw new Error(`missing ${name}`);
      const worst = e.data.reduce((m, v, i) => Math.max(m, Math.abs(v - (g.data[i] ?? Number.NaN))), 0);
      expect(worst, name).toBeLessThan(1e-6);
    }
    expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(result.bestEpoch).toBe(wholeResult.bestEpoch);
    expect(result.bestValidation).toEqual(wholeResult.bestValidation);
    expect(result.epochs.at(-1)?.loss.total).toBeCloseTo(wholeResult.epochs.at(-1)?.loss.total ?? Number.NaN, 5);
  });
});

describe('AdamW', () => {
  it('matches the update rule by hand for one step, decaying weights but not biases', async () => {
    const params = ParamStore.init(config, 9);
    const w0 = params.get('classifier.weight').dataSync().slice();
    const b0 = params.get('classifier.bias').dataSync().slice();
    const opt = new AdamW(params, { lr: 0.1, weightDecay: 0.5, clipNorm: 0 });
    const gw = tf.fill(params.get('classifier.weight').shape, 0.2);
    const gb = tf.fill(params.get('classifier.bias').shape, -0.3);
    opt.accumulate(
      new Map([
        ['classifier.weight', gw],
        ['classifier.bias', gb],
      ]),
    );
    const norm = await opt.apply();
    // First Adam step: m_hat = g, v_hat = g^2, update = g / (|g| + eps) = sign(g).
    const w1 = params.get('classifier.weight').dataSync();
    const b1 = params.get('classifier.bias').dataSync();
    w1.forEach((v, i) => {
      expect(v).toBeCloseTo((w0[i] ?? 0) * (1 - 0.1 * 0.5) - 0.1, 5);
    });
    b1.forEach((v, i) => {
      expect(v).toBeCloseTo((b0[i] ?? 0) + 0.1, 5);
    });
    const expectedNorm = Math.sqrt(w0.length * 0.04 + b0.length * 0.09);
    expect(norm).toBeCloseTo(expectedNorm, 4);
    opt.dispose();
    params.dispose();
  });

  it('clips the global norm and warms the learning rate up linearly', async () => {
    const params = ParamStore.init(config, 10);
    const opt = new AdamW(params, { lr: 1, warmupSteps: 4, clipNorm: 0.5 });
    expect(opt.currentLr()).toBeCloseTo(0.25, 10);
    const w0 = params.get('gate.bias').dataSync().slice();
    opt.accumulate(new Map([['gate.bias', tf.fill(params.get('gate.bias').shape, 3)]]), 0.5);
    expect(await opt.apply()).toBeCloseTo(1.5 * Math.sqrt(w0.length), 4);
    expect(opt.currentLr()).toBeCloseTo(0.5, 10);
    // Clipping scales g but Adam's first step normalises it: the step is lr * sign(g) = 0.25.
    params
      .get('gate.bias')
      .dataSync()
      .forEach((v, i) => {
        expect(v).toBeCloseTo((w0[i] ?? 0) - 0.25, 5);
      });
    opt.dispose();
    params.dispose();
  });

  it('decays the rate along a cosine after warm-up, reaching just above 0 at the last step', () => {
    const params = ParamStore.init(config, 11);
    const opt = new AdamW(params, { lr: 1, warmupSteps: 2, decaySteps: 10 });
    const rates = Array.from({ length: 10 }, (_, step) => {
      opt.step = step;
      return opt.currentLr();
    });
    // Warm-up (steps 0, 1) scales the decayed rate; then every step is smaller than the one before.
    expect(rates[0]).toBeCloseTo(0.5 * 0.5 * (1 + Math.cos(Math.PI * 0)), 10);
    for (let i = 2; i < 10; i++) expect(rates[i]).toBeLessThan(rates[i - 1] ?? 0);
    // Step k of the 8 after warm-up runs at t = (k + 1) / 9.
    expect(rates[2]).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI / 9)), 10);
    expect(rates[9]).toBeCloseTo(0.5 * (1 + Math.cos((8 * Math.PI) / 9)), 10);
    expect(rates[9]).toBeGreaterThan(0);
    // Without decaySteps the rate stays at lr once warm.
    const constant = new AdamW(params, { lr: 1, warmupSteps: 2 });
    constant.step = 50;
    expect(constant.currentLr()).toBe(1);
    opt.dispose();
    constant.dispose();
    params.dispose();
  });
});
