/**
 * Training maths in real Chromium: the MMER forward pass, every loss with its input gradient, and the full multitask
 * loss with the gradient of every parameter are computed from the same inputs and parameters on WebGPU (SwiftShader
 * here), WASM and CPU, and the two accelerated backends must agree with CPU. Dropout is 0, so training mode is
 * deterministic and any difference is kernel arithmetic. Every tensor is read with `await data()`: WebGPU has no
 * synchronous readback (dataSync yields zeros there).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/core/rng';
import type { EngineBackend } from '../../src/mmer/engine';
import { initWebEngine } from '../../src/mmer/engine-web';
import { liteConfig, type MmerConfig } from '../../src/mmer/config';
import { disposeBatch, makeBatch } from '../../src/mmer/batch';
import { disposeMmerOutputs, mmerForward } from '../../src/mmer/head';
import { ctcLoss, infoNceLoss, supConLoss } from '../../src/mmer/losses';
import { AdamW } from '../../src/mmer/optimizer';
import { paramGrads, ParamStore } from '../../src/mmer/params';
import { DEFAULT_LOSS, multitaskLoss, type LossParts, type TrainExample } from '../../src/mmer/trainer';
import { TINY_MMER_CONFIG } from '../tiny-mmer-config';

/**
 * Allowed |backend - cpu| / max(1, |cpu|), per element, for every quantity. Measured worst cases (Chromium, SwiftShader
 * WebGPU; see the console.info table): 1.7e-5 on WASM and 9.5e-6 on WebGPU, both for the gradient of
 * proj_orig.fc2.bias (the 1/temperature contrastive terms make it the largest gradient); forward outputs and loss
 * values differ by at most 2.2e-7, input gradients of the losses by at most 1.2e-6. 1e-4 leaves a 5x margin.
 */
const TOLERANCE = 1e-4;

/** Dropout 0: training-mode forward passes are deterministic and comparable across backends. */
const CONFIG: MmerConfig = { ...TINY_MMER_CONFIG, dropout: 0 };
const PARAM_SEED = 3;

type Matrix = { rows: number; dim: number; data: Float32Array };

/**
 * Four clips of different audio and text lengths, each with an augmented view of other lengths; one has no transcript.
 */
function examples(): TrainExample[] {
  const rand = mulberry32(21);
  const mat = (rows: number, dim: number): Matrix => ({
    rows,
    dim,
    data: Float32Array.from({ length: rows * dim }, () => 2 * rand() - 1),
  });
  const audioRows = [7, 4, 6, 3];
  const textRows = [5, 2, 4, 3];
  const augAudioRows = [6, 5, 7, 3];
  const augTextRows = [4, 3, 4, 2];
  const labels = [0, 1, 0, 2];
  // Mixed lengths (a repeat needing a blank, a single label, an empty transcript) and one clip without a transcript.
  const targets: (number[] | null)[] = [[1, 2, 2, 3], [4], null, []];
  return labels.map((label, i) => ({
    audio: mat(audioRows[i] ?? 1, CONFIG.audioDim),
    text: mat(textRows[i] ?? 1, CONFIG.textDim),
    label,
    ctcTarget: targets[i] ?? null,
    augmented: { audio: mat(augAudioRows[i] ?? 1, CONFIG.audioDim), text: mat(augTextRows[i] ?? 1, CONFIG.textDim) },
  }));
}

/** A fixed tensor of uniform values in [-scale, scale), from its own seed. */
function fixed(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rand = mulberry32(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * (2 * rand() - 1)),
    shape,
  );
}

/** Inputs of the stand-alone CTC loss: T = 7 frames, lengths 7, 5, 6, 2; targets of lengths 3, 0 (empty), null, 1. */
const CTC_SHAPE = [4, 7, CONFIG.vocabSize];
const CTC_LENGTHS = [7, 5, 6, 2];
const CTC_TARGETS: (number[] | null)[] = [[2, 2, 5], [], null, [3]];
/** SupCon labels: anchors 0 and 2 have a positive, 1 and 3 do not. */
const SUPCON_LABELS = [0, 1, 0, 2];

type Quantities = Map<string, Float32Array>;

/** Every compared quantity, read back to plain arrays; leaves no tensor behind. */
async function compute(params: ParamStore): Promise<Quantities> {
  const out: Quantities = new Map();
  const take = async (name: string, t: tf.Tensor): Promise<void> => {
    out.set(name, Float32Array.from(await t.data()));
  };
  const clips = examples();
  // 1. Eval-mode forward pass.
  const { batch } = makeBatch(clips);
  const fwd = mmerForward(params, CONFIG, batch, { training: false });
  await take('forward.logits', fwd.logits);
  await take('forward.pooled', fwd.pooled);
  const ctcLogits = fwd.ctcLogits();
  await take('forward.ctcLogits', ctcLogits);
  ctcLogits.dispose();
  disposeMmerOutputs(fwd);
  disposeBatch(batch);

  // 2. Each loss and its gradient w.r.t. its input.
  const logits = fixed(CTC_SHAPE, 31, 2);
  const ctc = tf.valueAndGrad(
    (x: tf.Tensor) => ctcLoss(tf.logSoftmax(x) as tf.Tensor3D, CTC_TARGETS, CTC_LENGTHS) as tf.Scalar,
  )(logits);
  await take('ctc.value', ctc.value);
  await take('ctc.grad(logits)', ctc.grad);
  tf.dispose([logits, ctc.value, ctc.grad]);

  const features = fixed([4, 8], 32);
  for (const variant of ['khosla', 'authors-unnormalised'] as const) {
    const sc = tf.valueAndGrad((z: tf.Tensor) => supConLoss(z as tf.Tensor2D, SUPCON_LABELS, { variant }))(features);
    await take(`supcon.${variant}.value`, sc.value);
    await take(`supcon.${variant}.grad`, sc.grad);
    tf.dispose([sc.value, sc.grad]);
  }
  const other = fixed([4, 8], 33);
  const nce = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => infoNceLoss(a as tf.Tensor2D, b as tf.Tensor2D))([
    features,
    other,
  ]);
  const [gradA, gradB] = nce.grads;
  if (gradA === undefined || gradB === undefined) throw new Error('infoNceLoss: missing gradient');
  await take('infonce.value', nce.value);
  await take('infonce.grad(zA)', gradA);
  await take('infonce.grad(zB)', gradB);
  tf.dispose([features, other, nce.value, ...nce.grads]);

  // 3. The full multitask loss (training mode, dropout 0) and the gradient of every parameter.
  const parts = new Map<keyof LossParts, tf.Scalar>();
  const { value, grads } = paramGrads(params, () => multitaskLoss(params, CONFIG, clips, DEFAULT_LOSS, 5, parts));
  try {
    expect([...grads.keys()].sort()).toEqual(params.names().sort());
    expect([...parts.keys()].sort()).toEqual(['acl', 'ce', 'ctc', 'supcon']);
    await take('multitask.total', value);
    for (const [k, t] of parts) await take(`multitask.${k}`, t);
    for (const [name, g] of grads) await take(`grad.${name}`, g);
  } finally {
    tf.dispose([value, ...parts.values(), ...grads.values()]);
  }
  return out;
}

/** Worst per-element |x - ref| / max(1, |ref|); Infinity on a shape mismatch or a non-finite value. */
function worstRelative(x: Float32Array, ref: Float32Array): number {
  if (x.length !== ref.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const r = ref[i] ?? Number.NaN;
    const d = Math.abs((x[i] ?? Number.NaN) - r) / Math.max(1, Math.abs(r));
    worst = Number.isFinite(d) ? Math.max(worst, d) : Number.POSITIVE_INFINITY;
  }
  return worst;
}

/** One backend's two runs of the same step; each test asks for what it needs, so any test also runs alone. */
interface BackendRuns {
  readonly started: EngineBackend;
  readonly counts: readonly [number, number, number];
  readonly first: Quantities;
  readonly second: Quantities;
  readonly seconds: number;
}

const runs = new Map<EngineBackend, Promise<BackendRuns>>();

/** Runs the step twice on `backend`, once per file run (later calls share the result). */
function runsOn(backend: EngineBackend): Promise<BackendRuns> {
  let p = runs.get(backend);
  if (p === undefined) {
    p = (async () => {
      const info = await initWebEngine([backend]);
      const started = performance.now();
      // The store is made outside the counted region: ParamStore's constructor keeps one stray tensor per parameter
      // (the initial value handed to tf.variable is never disposed), which is not what this test is about.
      const params = ParamStore.init(CONFIG, PARAM_SEED);
      try {
        // An inference pass keeps products of the weights on the store for the next clip (derived-weights.ts): held
        // on purpose, not leaked, so they are freed before each count.
        const count = (): number => {
          params.derived.clear();
          return tf.memory().numTensors;
        };
        const before = count();
        const first = await compute(params);
        const afterFirst = count();
        const second = await compute(params);
        const afterSecond = count();
        const seconds = (performance.now() - started) / 1000;
        return { started: info.backend, counts: [before, afterFirst, afterSecond], first, second, seconds };
      } finally {
        params.dispose();
      }
    })();
    runs.set(backend, p);
  }
  return p;
}

describe('training maths on every backend', () => {
  it.each(['webgpu', 'wasm', 'cpu'] as const)(
    '%s computes the forward pass, losses and gradients without leaking',
    async (backend) => {
      const { started, counts, first, second, seconds } = await runsOn(backend);
      expect(started).toBe(backend);
      const [before, afterFirst, afterSecond] = counts;
      console.info(`${backend}: numTensors ${before} -> ${afterFirst} -> ${afterSecond} over two runs`);
      // A second run must leave the count unchanged too (no growth per step) and give bit-identical numbers.
      expect(afterFirst).toBe(before);
      expect(afterSecond).toBe(before);
      for (const [name, v] of first) {
        for (const x of v) expect(Number.isFinite(x), `${backend} ${name} is finite`).toBe(true);
        expect(second.get(name), `${backend} ${name} is repeatable`).toEqual(v);
      }
      console.info(`${backend}: ${first.size} quantities, two runs in ${seconds.toFixed(1)} s`);
    },
  );

  it(`WebGPU and WASM agree with CPU within ${TOLERANCE} relative to max(1, |cpu|)`, async () => {
    const cpu = (await runsOn('cpu')).first;
    const rows: Record<string, Record<string, string>> = {};
    const failures: string[] = [];
    // A reference of all zeros would make the comparison vacuous (and is what a broken readback looks like).
    for (const [name, ref] of cpu)
      expect(
        ref.some((x) => x !== 0),
        `cpu ${name} is not all zeros`,
      ).toBe(true);
    for (const backend of ['webgpu', 'wasm'] as const) {
      const r = (await runsOn(backend)).first;
      expect([...r.keys()].sort()).toEqual([...cpu.keys()].sort());
      let worstGrad = { name: '', d: 0 };
      for (const [name, ref] of cpu) {
        const d = worstRelative(r.get(name) ?? new Float32Array(), ref);
        if (!(d <= TOLERANCE)) failures.push(`${backend} ${name}: ${d.toExponential(2)}`);
        if (!name.startsWith('grad.')) (rows[name] ??= {})[backend] = d.toExponential(2);
        else if (d >= worstGrad.d) worstGrad = { name, d };
      }
      (rows['grad.* (every parameter)'] ??= {})[backend] = `${worstGrad.d.toExponential(2)} (${worstGrad.name})`;
    }
    const lines = Object.entries(rows).map(
      ([name, by]) => `  ${name.padEnd(34)} webgpu ${by['webgpu'] ?? '-'}   wasm ${by['wasm'] ?? '-'}`,
    );
    console.info(`max |backend - cpu| / max(1, |cpu|):\n${lines.join('\n')}`);
    expect(failures).toEqual([]);
  });
});

/**
 * The same comparison at the lite head's real sizes: 60-frame clips with 28-label transcripts (a CTC recursion of 60
 * steps, 15 rescaling offsets) and ~100 parameter gradients summed into AdamW's global norm. Both sums once went
 * through tf.addN, which tfjs-webgpu computes wrongly, without any error, past 7 inputs: the tiny case above
 * could not see it.
 */
describe('training maths at the lite head sizes', () => {
  const LITE: MmerConfig = { ...liteConfig(['a', 'b']), dropout: 0 };
  const sizedExamples = (): TrainExample[] => {
    const rand = mulberry32(22);
    const mat = (rows: number, dim: number): Matrix => ({
      rows,
      dim,
      data: Float32Array.from({ length: rows * dim }, () => 2 * rand() - 1),
    });
    return [0, 1, 0, 1].map((label, i) => ({
      audio: mat(60 - i, LITE.audioDim),
      text: mat(8, LITE.textDim),
      label,
      ctcTarget: Array.from({ length: 28 }, (_, k) => 1 + ((k * 7 + i) % 30)),
      augmented: { audio: mat(58, LITE.audioDim), text: mat(7, LITE.textDim) },
    }));
  };
  const run = async (backend: EngineBackend): Promise<Quantities> => {
    await initWebEngine([backend]);
    const params = ParamStore.init(LITE, PARAM_SEED);
    const opt = new AdamW(params, { lr: 1e-3 });
    const out: Quantities = new Map();
    try {
      const parts = new Map<keyof LossParts, tf.Scalar>();
      const { value, grads } = paramGrads(params, () =>
        multitaskLoss(params, LITE, sizedExamples(), DEFAULT_LOSS, 5, parts),
      );
      out.set('multitask.total', Float32Array.from(await value.data()));
      for (const [k, t] of parts) out.set(`multitask.${k}`, Float32Array.from(await t.data()));
      for (const [name, g] of grads) out.set(`grad.${name}`, Float32Array.from(await g.data()));
      tf.dispose([value, ...parts.values()]);
      opt.accumulate(grads);
      out.set('adamw.globalNorm', Float32Array.of(await opt.apply()));
      for (const name of params.names()) out.set(`updated.${name}`, Float32Array.from(await params.get(name).data()));
    } finally {
      opt.dispose();
      params.dispose();
    }
    return out;
  };

  it(`WebGPU agrees with CPU within ${TOLERANCE}: loss parts, every gradient, AdamW's norm and update`, async () => {
    const cpu = await run('cpu');
    const gpu = await run('webgpu');
    expect(cpu.get('multitask.ctc')?.[0]).toBeGreaterThan(1);
    const failures = [...cpu]
      .map(([name, ref]) => ({ name, d: worstRelative(gpu.get(name) ?? new Float32Array(), ref) }))
      .filter((x) => !(x.d <= TOLERANCE));
    expect(failures).toEqual([]);
  });
});
