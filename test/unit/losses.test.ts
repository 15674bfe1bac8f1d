import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; tf.grad needs them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ctcLoss,
  ctcMinFrames,
  infoNceLoss,
  supConLoss,
  type CtcOptions,
  type SupConVariant,
} from '../../src/mmer/losses';
import { gradCheck, seededTensor as randomTensor } from './gradcheck';

// ------------------------------------------------------------------ reference fixture (tools/reference/losses.py)

type Num = number | 'Infinity' | '-Infinity' | 'NaN';
type CtcReduction = NonNullable<CtcOptions['reduction']>;
interface CtcCase {
  name: string;
  shape: [number, number, number];
  logits: number[];
  targets: number[][];
  inputLengths: number[];
  blank: number;
  reduction: CtcReduction;
  zeroInfinity: boolean;
  loss: Num | Num[];
  grad: Num[] | null;
  weights?: number[];
}
interface SupConCase {
  name: string;
  shape: [number, number];
  features: number[];
  labels: number[];
  variant: SupConVariant;
  temperature: number;
  loss: Num;
  grad: Num[];
}
interface InfoNceCase {
  name: string;
  shape: [number, number];
  zA: number[];
  zB: number[];
  temperature: number;
  symmetric: boolean;
  normalise: boolean;
  loss: Num;
  gradA: Num[];
  gradB: Num[];
}
/** T=700: the logits are a Park-Miller stream (seed, scale) and only sampled gradient coordinates are stored. */
interface CtcLongCase {
  name: string;
  shape: [number, number, number];
  logitSeed: number;
  logitScale: number;
  targets: number[][];
  inputLengths: number[];
  loss: Num[];
  gradSample: [number, Num][];
  gradAbsMax: Num;
}
interface Fixture {
  torch: string;
  ctc: CtcCase[];
  ctcLong: CtcLongCase;
  supcon: SupConCase[];
  infonce: InfoNceCase[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/reference/losses.json', import.meta.url), 'utf8'),
) as Fixture;
const toNumber = (x: Num): number => (typeof x === 'number' ? x : Number(x));
const numbers = (x: Num | Num[]): number[] => (Array.isArray(x) ? x.map(toNumber) : [toNumber(x)]);

/**
 * Parity tolerance: |actual - expected| <= TOL * max(1, max |expected| over the tensor), i.e. absolute for tensors of
 * magnitude <= 1 and relative to the tensor's largest entry above that. Non-finite entries must match exactly.
 */
const TOL = 1e-4;
const worst = new Map<string, { value: [number, number]; grad: [number, number] }>();

/** Checks one tensor against the reference and records the worst [scaled, absolute] error per family. */
function compare(family: string, what: 'value' | 'grad', actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1, ...expected.filter(Number.isFinite).map(Math.abs));
  let maxAbs = 0;
  expected.forEach((e, k) => {
    const a = actual[k] ?? Number.NaN;
    if (Number.isFinite(e)) maxAbs = Math.max(maxAbs, Math.abs(a - e));
    else expect(a).toBe(e);
  });
  expect(maxAbs / scale).toBeLessThanOrEqual(TOL);
  const entry = worst.get(family) ?? { value: [0, 0], grad: [0, 0] };
  entry[what] = [Math.max(entry[what][0], maxAbs / scale), Math.max(entry[what][1], maxAbs)];
  worst.set(family, entry);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterAll(() => {
  // Printed so that the numbers quoted in reports come from the run itself.
  const fmt = ([scaled, abs]: [number, number]): string =>
    `${scaled.toExponential(2)} scaled (${abs.toExponential(2)} abs)`;
  for (const [family, e] of worst)
    console.log(`parity vs torch ${fixture.torch}: ${family}: value ${fmt(e.value)}, grad ${fmt(e.grad)}`);
});

// ------------------------------------------------------------------ parity: one table, one runner

interface ParityCase {
  family: string;
  name: string;
  inputs: () => tf.Tensor[];
  /** The loss as the API returns it (a scalar, or [B] for CTC 'none'). */
  loss: (...xs: tf.Tensor[]) => tf.Tensor;
  /** The scalar whose gradient the reference took (a weighted sum for 'none'). */
  objective: (...xs: tf.Tensor[]) => tf.Scalar;
  value: number[];
  grads: number[][] | null;
}

function ctcParity(c: CtcCase): ParityCase {
  const options: CtcOptions = { blank: c.blank, reduction: c.reduction, zeroInfinity: c.zeroInfinity };
  const loss = (x: tf.Tensor): tf.Tensor =>
    tf.tidy(() => ctcLoss(tf.logSoftmax(x) as tf.Tensor3D, c.targets, c.inputLengths, options));
  const weights = c.weights;
  return {
    family: 'ctc',
    name: c.name,
    inputs: () => [tf.tensor3d(c.logits, c.shape)],
    loss,
    objective: (x) => tf.tidy(() => (weights ? tf.sum(tf.mul(loss(x), weights)) : (loss(x) as tf.Scalar))),
    value: numbers(c.loss),
    grads: c.grad ? [numbers(c.grad)] : null,
  };
}

function supConParity(c: SupConCase): ParityCase {
  const loss = (x: tf.Tensor): tf.Scalar =>
    supConLoss(x as tf.Tensor2D, c.labels, { temperature: c.temperature, variant: c.variant });
  return {
    family: 'supcon',
    name: c.name,
    inputs: () => [tf.tensor2d(c.features, c.shape)],
    loss,
    objective: loss,
    value: numbers(c.loss),
    grads: [numbers(c.grad)],
  };
}

function infoNceParity(c: InfoNceCase): ParityCase {
  const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
    infoNceLoss(a as tf.Tensor2D, b as tf.Tensor2D, {
      temperature: c.temperature,
      symmetric: c.symmetric,
      normalise: c.normalise,
    });
  return {
    family: 'infonce',
    name: c.name,
    inputs: () => [tf.tensor2d(c.zA, c.shape), tf.tensor2d(c.zB, c.shape)],
    loss: (...xs) => loss(xs[0] ?? tf.scalar(0), xs[1] ?? tf.scalar(0)),
    objective: (...xs) => loss(xs[0] ?? tf.scalar(0), xs[1] ?? tf.scalar(0)),
    value: numbers(c.loss),
    grads: [numbers(c.gradA), numbers(c.gradB)],
  };
}

const parityCases: ParityCase[] = [
  ...fixture.ctc.map(ctcParity),
  ...fixture.supcon.map(supConParity),
  ...fixture.infonce.map(infoNceParity),
];

describe('parity with PyTorch (float64 reference, float32 engine)', () => {
  it.each(parityCases.map((c) => [`${c.family}: ${c.name}`, c] as const))('%s', (_, c) => {
    const inputs = c.inputs();
    const before = tf.memory().numTensors;
    const value = c.loss(...inputs);
    compare(c.family, 'value', value.dataSync(), c.value);
    if (c.grads) {
      const grads = tf.grads(c.objective)(inputs);
      c.grads.forEach((expected, k) => {
        compare(c.family, 'grad', grads[k]?.dataSync() ?? [], expected);
      });
      tf.dispose(grads);
    }
    value.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(inputs);
  });

  it(`ctc on a long batch: ${fixture.ctcLong.name}`, () => {
    const c = fixture.ctcLong;
    // Same Park-Miller stream as tools/reference/losses.py, rounded to float32 by the tensor.
    let state = c.logitSeed;
    const data = Float32Array.from({ length: c.shape.reduce((a, b) => a * b, 1) }, () => {
      state = (state * 16807) % 2147483647;
      return (state / 2147483647 - 0.5) * c.logitScale;
    });
    const logits = tf.tensor3d(data, c.shape);
    const before = tf.memory().numTensors;
    const started = performance.now();
    const f = (x: tf.Tensor): tf.Tensor =>
      tf.tidy(() => ctcLoss(tf.logSoftmax(x) as tf.Tensor3D, c.targets, c.inputLengths, { reduction: 'none' }));
    const loss = f(logits);
    const grad = tf.grad((x: tf.Tensor) => tf.sum(f(x)))(logits);
    console.log(`ctc T=700 forward + gradient: ${((performance.now() - started) / 1000).toFixed(2)} s`);
    compare('ctc T=700', 'value', loss.dataSync(), numbers(c.loss));
    // Only sampled coordinates are stored; the full gradient's largest entry is below 1, so the scale is 1 either way.
    expect(toNumber(c.gradAbsMax)).toBeLessThan(1);
    const g = grad.dataSync();
    compare(
      'ctc T=700',
      'grad',
      c.gradSample.map(([i]) => g[i] ?? Number.NaN),
      c.gradSample.map(([, e]) => toNumber(e)),
    );
    tf.dispose([loss, grad]);
    expect(tf.memory().numTensors).toBe(before);
    logits.dispose();
  });
});

// ------------------------------------------------------------------ finite differences and leaks in the engine itself

interface EngineCase {
  name: string;
  f: (...xs: tf.Tensor[]) => tf.Scalar;
  inputs: () => tf.Tensor[];
}

const ctcOf =
  (targets: (number[] | null)[], lengths: number[], options: CtcOptions) =>
  (x: tf.Tensor): tf.Scalar =>
    tf.tidy(() => ctcLoss(tf.logSoftmax(x) as tf.Tensor3D, targets, lengths, options) as tf.Scalar);
const labels8 = [0, 1, 0, 2, 1, 0, 3, 2];

const engineCases: EngineCase[] = [
  {
    name: 'ctc mean, batch with mixed lengths',
    f: ctcOf([[1, 2, 2], [3], []], [9, 6, 4], {}),
    inputs: () => [randomTensor([3, 9, 5], 1, 2)],
  },
  {
    name: 'ctc sum, blank last, repeats',
    f: ctcOf([[0, 0, 1, 2]], [8], { blank: 4, reduction: 'sum' }),
    inputs: () => [randomTensor([1, 8, 5], 2, 2)],
  },
  {
    name: 'ctc mean, null target and infeasible clip (zeroInfinity)',
    f: ctcOf([[1, 2], null, [3, 3, 3]], [6, 6, 4], { zeroInfinity: true }),
    inputs: () => [randomTensor([3, 6, 5], 3, 2)],
  },
  {
    name: 'supcon khosla',
    f: (x) => supConLoss(x as tf.Tensor2D, labels8, { temperature: 0.2 }),
    inputs: () => [randomTensor([8, 6], 4)],
  },
  {
    name: 'supcon authors-unnormalised',
    f: (x) => supConLoss(x as tf.Tensor2D, labels8, { temperature: 0.5, variant: 'authors-unnormalised' }),
    inputs: () => [randomTensor([8, 6], 5)],
  },
  {
    name: 'infonce normalised, symmetric',
    f: (a, b) => infoNceLoss(a as tf.Tensor2D, b as tf.Tensor2D, { temperature: 0.2, symmetric: true }),
    inputs: () => [randomTensor([6, 5], 6), randomTensor([6, 5], 7)],
  },
  {
    name: 'infonce unnormalised, one-way',
    f: (a, b) => infoNceLoss(a as tf.Tensor2D, b as tf.Tensor2D, { temperature: 0.5, normalise: false }),
    inputs: () => [randomTensor([6, 5], 8, 0.5), randomTensor([6, 5], 9, 0.5)],
  },
];

describe('engine gradients', () => {
  it.each(engineCases.map((c) => [c.name, c] as const))('finite differences agree: %s', (_, c) => {
    const inputs = c.inputs();
    const report = gradCheck(c.f, inputs, { eps: 1e-2, samples: 24, rtol: 2e-2, minAbs: 1e-3, atol: 1e-3 });
    console.log(
      `fd ${c.name}: ${report.checked} coords (${report.relativeChecked} relative), max rel ${report.maxRelError.toExponential(2)}, max abs ${report.maxAbsError.toExponential(2)}`,
    );
    expect(report.failures).toEqual([]);
    expect(report.relativeChecked).toBeGreaterThan(0);
    tf.dispose(inputs);
  });

  it.each(engineCases.map((c) => [c.name, c] as const))('no tensor leaks: %s', (_, c) => {
    const inputs = c.inputs();
    const before = tf.memory().numTensors;
    const loss = c.f(...inputs);
    const grads = tf.grads(c.f)(inputs);
    tf.dispose([loss, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(inputs);
  });
});

// ------------------------------------------------------------------ properties and edge cases

/** Value and gradient of a CTC objective on fixed logits, as plain arrays. */
function ctcValueAndGrad(
  logits: tf.Tensor3D,
  targets: (number[] | null)[],
  lengths: number[],
  options: CtcOptions,
): { value: Float32Array; grad: Float32Array } {
  const lossOf = (x: tf.Tensor): tf.Tensor =>
    tf.tidy(() => ctcLoss(tf.logSoftmax(x) as tf.Tensor3D, targets, lengths, options));
  return tf.tidy(() => ({
    value: lossOf(logits).dataSync() as Float32Array,
    grad: tf
      .grad((x: tf.Tensor) => tf.sum(lossOf(x)))(logits)
      .dataSync() as Float32Array,
  }));
}

describe('loss properties', () => {
  it('ctc of a confident one-frame, one-label prediction is ~0', () => {
    const logits = tf.tensor3d([[[-30, 30, -30, -30]]]);
    const { value } = ctcValueAndGrad(logits, [[1]], [1], { reduction: 'sum' });
    expect(value[0]).toBeGreaterThanOrEqual(0);
    expect(value[0]).toBeLessThan(1e-6);
    logits.dispose();
  });

  it('ctcMinFrames counts a blank between equal neighbours', () => {
    expect([[], [1], [1, 1, 2], [3, 3, 3], [1, 2, 1]].map(ctcMinFrames)).toEqual([0, 1, 4, 5, 3]);
  });

  it('ctc with a null target: zero loss and gradient for that clip, left out of the mean', () => {
    const logits = randomTensor([3, 6, 5], 11, 2) as tf.Tensor3D;
    const withNull = ctcValueAndGrad(logits, [[1, 2], null, [3]], [6, 5, 4], {});
    const kept = tf.gather(logits, [0, 2]);
    const without = ctcValueAndGrad(kept, [[1, 2], [3]], [6, 4], {});
    expect(withNull.value[0]).toBeCloseTo(without.value[0] ?? Number.NaN, 5);
    expect(Array.from(withNull.grad.subarray(30, 60)).filter((g) => g !== 0)).toEqual([]);
    const none = ctcValueAndGrad(logits, [[1, 2], null, [3]], [6, 5, 4], { reduction: 'none' });
    expect(none.value[1]).toBe(0);
    const allNull = ctcValueAndGrad(logits, [null, null, null], [6, 5, 4], {});
    expect(allNull.value[0]).toBe(0);
    expect(Array.from(allNull.grad).filter((g) => g !== 0)).toEqual([]);
    tf.dispose([logits, kept]);
  });

  it('ctc infeasible clip without zeroInfinity: +Infinity loss, zero (not NaN) gradient for that clip only', () => {
    const logits = randomTensor([2, 4, 5], 12, 2) as tf.Tensor3D;
    const mean = ctcValueAndGrad(
      logits,
      [
        [1, 2],
        [3, 3, 3],
      ],
      [4, 4],
      {},
    );
    expect(mean.value[0]).toBe(Number.POSITIVE_INFINITY);
    expect(Array.from(mean.grad).filter((v) => !Number.isFinite(v))).toEqual([]);
    expect(Array.from(mean.grad.subarray(20)).filter((g) => g !== 0)).toEqual([]);
    expect(Array.from(mean.grad.subarray(0, 20)).filter((g) => g !== 0)).not.toEqual([]);
    logits.dispose();
  });

  it('ctc input length 0: an empty target costs 0, a non-empty one is infeasible', () => {
    const logits = randomTensor([3, 4, 5], 16) as tf.Tensor3D;
    const { value, grad } = ctcValueAndGrad(logits, [[], [1], [2]], [0, 0, 4], { reduction: 'none' });
    expect(Math.abs(value[0] ?? Number.NaN)).toBe(0); // -0 from negating log(1)
    expect(value[1]).toBe(Number.POSITIVE_INFINITY);
    expect(value[2]).toBeGreaterThan(0);
    expect(Array.from(grad.subarray(0, 40)).filter((g) => g !== 0)).toEqual([]);
    logits.dispose();
  });

  it('ctc rejects malformed input', () => {
    const lp = tf.zeros<tf.Rank.R3>([1, 3, 4]);
    expect(() => ctcLoss(lp, [[0]], [3])).toThrow(/blank/);
    expect(() => ctcLoss(lp, [[4]], [3])).toThrow(/outside/);
    expect(() => ctcLoss(lp, [[1]], [4])).toThrow(/input length/);
    expect(() => ctcLoss(lp, [[1], [2]], [3])).toThrow(/targets/);
    expect(() => ctcLoss(lp, [[1]], [3], { blank: 4 })).toThrow(/blank 4/);
    lp.dispose();
  });

  it('supcon khosla is invariant to feature scale; the authors variant is not', () => {
    const features = randomTensor([8, 6], 13) as tf.Tensor2D;
    const scaled = tf.mul<tf.Tensor2D>(features, 7.5);
    for (const variant of ['khosla', 'authors-unnormalised'] as const) {
      const [a, b] = [features, scaled].map((f) =>
        tf.tidy(() => supConLoss(f, labels8, { temperature: 0.1, variant }).dataSync()[0] ?? Number.NaN),
      );
      if (variant === 'khosla') expect(b).toBeCloseTo(a ?? Number.NaN, 4);
      else expect(Math.abs((b ?? 0) - (a ?? 0))).toBeGreaterThan(0.1);
    }
    tf.dispose([features, scaled]);
  });

  it('supcon khosla without any positive pair is 0 with zero gradient', () => {
    const features = randomTensor([4, 3], 14) as tf.Tensor2D;
    const f = (x: tf.Tensor): tf.Scalar => supConLoss(x as tf.Tensor2D, [0, 1, 2, 3]);
    expect(tf.tidy(() => f(features).dataSync()[0])).toBe(0);
    expect(
      tf.tidy(() =>
        tf
          .grad(f)(features)
          .dataSync()
          .every((g) => g === 0),
      ),
    ).toBe(true);
    features.dispose();
  });

  it('infonce: identical views score lower than shuffled views', () => {
    const z = randomTensor([8, 6], 15) as tf.Tensor2D;
    const shuffled = tf.gather(z, [3, 0, 7, 1, 6, 2, 5, 4]);
    for (const options of [{}, { symmetric: true }, { normalise: false, temperature: 0.5 }]) {
      const same = tf.tidy(() => infoNceLoss(z, z, options).dataSync()[0] ?? Number.NaN);
      const other = tf.tidy(() => infoNceLoss(z, shuffled, options).dataSync()[0] ?? Number.NaN);
      expect(same).toBeLessThan(other);
    }
    tf.dispose([z, shuffled]);
  });
});
