import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { mulberry32 } from '../../src/core/rng';
import type { MmerConfig } from '../../src/mmer/config';
import { initNodeEngine } from '../../src/mmer/engine-node';
import { estimateStepBytes, stepShape } from '../../src/mmer/memory-plan';
import { ParamStore } from '../../src/mmer/params';
import { stepGrads, type ViewSchedule } from '../../src/mmer/step';
import { DEFAULT_LOSS, fit, type LossParts, type LossWeights, type TrainExample } from '../../src/mmer/trainer';
import { TINY_MMER_CONFIG } from '../tiny-mmer-config';

const config: MmerConfig = { ...TINY_MMER_CONFIG, dropout: 0.2 };

/** Clips of uneven lengths (padding and masks matter), some without a transcript or an augmented view. */
function dataset(n: number, seed: number, augmented = true): TrainExample[] {
  const rand = mulberry32(seed);
  const mat = (rows: number, dim: number) => ({
    rows,
    dim,
    data: Float32Array.from({ length: rows * dim }, () => 2 * rand() - 1),
  });
  return Array.from({ length: n }, (_, i) => ({
    ...{ audio: mat(5 + (i % 4), 6), text: mat(2 + (i % 3), 5) },
    label: i % 3,
    ctcTarget: i % 4 === 3 ? null : [1 + (i % 5), 2],
    augmented: augmented ? { audio: mat(4 + (i % 5), 6), text: mat(3, 5) } : null,
  }));
}

interface Step {
  readonly parts: Record<string, number>;
  readonly grads: Map<string, Float32Array>;
}

async function step(
  params: ParamStore,
  examples: readonly TrainExample[],
  weights: LossWeights,
  schedule: ViewSchedule,
): Promise<Step> {
  const parts = new Map<keyof LossParts, tf.Scalar>();
  const { value, grads } = stepGrads(params, config, examples, weights, 11, parts, schedule);
  parts.set('total', value);
  const out: Step = { parts: {}, grads: new Map() };
  for (const [k, t] of parts) out.parts[k] = (await t.data())[0] ?? Number.NaN;
  for (const [name, g] of grads) out.grads.set(name, (await g.data()) as Float32Array);
  tf.dispose([...new Set([...parts.values(), ...grads.values()])]);
  return out;
}

function worstRelative(a: Step, b: Step): number {
  let worst = 0;
  for (const [name, ga] of a.grads) {
    const gb = b.grads.get(name);
    if (gb === undefined) throw new Error(`${name} missing`);
    const scale = Math.max(1e-3, ...ga.map(Math.abs));
    ga.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (gb[i] ?? Number.NaN)) / scale)));
  }
  return worst;
}

describe.each(['cpu', 'wasm'] as const)('stepGrads on %s', (backend) => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives the same loss and gradients with the views one after the other, leaking nothing', async () => {
    await initNodeEngine([backend]);
    const params = ParamStore.init(config, 4);
    const examples = dataset(6, 1);
    const joint = await step(params, examples, DEFAULT_LOSS, 'joint');
    const before = tf.memory().numTensors;
    const sequential = await step(params, examples, DEFAULT_LOSS, 'sequential');
    expect(tf.memory().numTensors).toBe(before);
    expect(sequential.parts).toEqual(joint.parts);
    expect(joint.parts['acl']).toBeGreaterThan(0);
    expect([...sequential.grads.keys()].sort()).toEqual([...joint.grads.keys()].sort());
    // Both projection heads and the shared blocks get gradients from both passes.
    expect(joint.grads.has('proj_aug.fc1.weight')).toBe(true);
    expect(joint.grads.has('proj_orig.fc1.weight')).toBe(true);
    // Bit for bit: each parameter's per-view contributions are the same floats, summed in a commutative order.
    expect(worstRelative(sequential, joint)).toBe(0);
    params.dispose();
  });

  it('runs one view when ACL is off or a clip has no augmented view', async () => {
    await initNodeEngine([backend]);
    const params = ParamStore.init(config, 5);
    for (const [examples, weights] of [
      [dataset(5, 2, false), DEFAULT_LOSS],
      [dataset(5, 3), { ...DEFAULT_LOSS, acl: 0 }],
    ] as const) {
      const joint = await step(params, examples, weights, 'joint');
      const sequential = await step(params, examples, weights, 'sequential');
      expect(sequential).toEqual(joint);
      expect(joint.parts['acl']).toBeUndefined();
    }
    params.dispose();
  });
});

describe('fit within a memory budget', () => {
  it('trains to the same parameters when the budget forces the sequential schedule', async () => {
    await initNodeEngine(['cpu']);
    const train = dataset(12, 6);
    const options = { epochs: 2, batchSize: 6, patience: 0, optimizer: { lr: 3e-3 } };
    const shape = stepShape(train, 6, DEFAULT_LOSS, 1);
    // Between the two estimates: every batch fits only one view at a time.
    const budget = (estimateStepBytes(config, shape, 'joint') + estimateStepBytes(config, shape, 'sequential')) / 2;
    const trained = async (memoryBudget: number | null): Promise<Record<string, Float32Array>> => {
      const params = ParamStore.init(config, 7);
      await fit(params, config, train, [], { ...options, memoryBudget });
      const out = Object.fromEntries(Object.entries(await params.serialise()).map(([k, v]) => [k, v.data]));
      params.dispose();
      return out;
    };
    const joint = await trained(null);
    const sequential = await trained(budget);
    for (const [name, values] of Object.entries(joint)) {
      const other = sequential[name];
      if (other === undefined) throw new Error(`${name} missing`);
      expect(other, name).toEqual(values);
    }
  });

  it('refuses a batch that cannot fit before the first step, naming one that does', async () => {
    await initNodeEngine(['cpu']);
    const train = dataset(12, 8);
    const fits4 = estimateStepBytes(config, stepShape(train, 4, DEFAULT_LOSS, 1), 'sequential');
    const params = ParamStore.init(config, 9);
    let steps = 0;
    const run = fit(params, config, train, [], {
      epochs: 1,
      batchSize: 8,
      memoryBudget: fits4,
      onStep: () => (steps += 1),
    });
    await expect(run).rejects.toThrow(AppError);
    await expect(run).rejects.toThrow(/batch size of 4 or less/);
    expect(steps).toBe(0);
    params.dispose();
  });
});
