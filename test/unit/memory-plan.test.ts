import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { mulberry32 } from '../../src/core/rng';
import { DEFAULT_CONFIG, type MmerConfig } from '../../src/mmer/config';
import { initNodeEngine } from '../../src/mmer/engine-node';
import {
  defaultMemoryBudget,
  estimateStepBytes,
  largestFittingBatch,
  planStep,
  requireStepPlan,
  stepShape,
  WASM_TRAIN_BUDGET_BYTES,
  type StepShape,
} from '../../src/mmer/memory-plan';
import { AdamW } from '../../src/mmer/optimizer';
import { ParamStore } from '../../src/mmer/params';
import { stepGrads, type ViewSchedule } from '../../src/mmer/step';
import { DEFAULT_LOSS, type LossParts, type TrainExample } from '../../src/mmer/trainer';
import { resetWasmPeak, wasmHeapUse } from '../../src/mmer/wasm-memory';

/** Small enough to run in a second, with every optional part (input projections, encoder and audio layers). */
const SMALL: MmerConfig = {
  ...DEFAULT_CONFIG,
  audioDim: 48,
  textDim: 40,
  hidden: 64,
  heads: 4,
  ffn: 128,
  audioLayers: 1,
  encoderLayers: 1,
  encoderHeads: 4,
  encoderFfn: 96,
};

function examples(config: MmerConfig, n: number, frames: number, tokens: number, target: number): TrainExample[] {
  const rand = mulberry32(3);
  const mat = (rows: number, dim: number) => ({
    rows,
    dim,
    data: Float32Array.from({ length: rows * dim }, () => 2 * rand() - 1),
  });
  const view = () => ({ audio: mat(frames, config.audioDim), text: mat(tokens, config.textDim) });
  return Array.from({ length: n }, (_, i) => ({
    ...view(),
    label: i % config.labels.length,
    ctcTarget: Array.from({ length: target }, (_, j) => 1 + ((i + 3 * j) % (config.vocabSize - 1))),
    augmented: view(),
  }));
}

/** The wasm heap's peak over one training step, after a first step has created Adam's moments. */
async function measuredPeak(
  config: MmerConfig,
  batch: readonly TrainExample[],
  schedule: ViewSchedule,
): Promise<number> {
  const params = ParamStore.init(config, 1);
  const opt = new AdamW(params);
  const parts = new Map<keyof LossParts, tf.Scalar>();
  let peak = 0;
  for (let s = 0; s < 2; s++) {
    resetWasmPeak();
    const { value, grads } = stepGrads(params, config, batch, DEFAULT_LOSS, s, parts, schedule);
    opt.accumulate(grads);
    await opt.apply();
    tf.dispose([...new Set([value, ...parts.values()])]);
    parts.clear();
    peak = wasmHeapUse()?.peak ?? Number.NaN;
  }
  opt.dispose();
  params.dispose();
  return peak;
}

describe('step memory estimate', () => {
  beforeAll(async () => {
    expect((await initNodeEngine(['wasm'])).backend).toBe('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  // Measured with the shared Identity kernel: with tfjs-backend-wasm's copying one the peaks are ~1.5x these.
  it.each([
    { schedule: 'joint', frames: 40, tokens: 8, target: 6 },
    { schedule: 'sequential', frames: 40, tokens: 8, target: 6 },
    { schedule: 'joint', frames: 90, tokens: 20, target: 15 },
    { schedule: 'sequential', frames: 90, tokens: 20, target: 15 },
  ] as const)(
    'is at most 25 % above the measured $schedule peak ($frames frames)',
    async ({ schedule, frames, tokens, target }) => {
      const batch = examples(SMALL, 3, frames, tokens, target);
      const peak = await measuredPeak(SMALL, batch, schedule);
      const estimate = estimateStepBytes(SMALL, stepShape(batch, batch.length, DEFAULT_LOSS, 1), schedule);
      expect(estimate / peak).toBeGreaterThanOrEqual(1);
      expect(estimate / peak).toBeLessThan(1.25);
    },
  );

  it('applies the wasm budget on the wasm backend only', async () => {
    expect(defaultMemoryBudget()).toBe(WASM_TRAIN_BUDGET_BYTES);
    await tf.setBackend('cpu');
    expect(defaultMemoryBudget()).toBeNull();
    await tf.setBackend('wasm');
  });

  it('measures the sequential schedule well below the joint one', async () => {
    const batch = examples(SMALL, 4, 90, 20, 15);
    expect(await measuredPeak(SMALL, batch, 'sequential')).toBeLessThan(
      0.7 * (await measuredPeak(SMALL, batch, 'joint')),
    );
  });
});

describe('step plans at base size (wav2vec2-base and RoBERTa-base features)', () => {
  // The bench's case: 5 s clips (250 frames), 24 tokens, 60-character transcripts.
  const shape = (batch: number): StepShape => ({
    batch,
    frames: 250,
    tokens: 24,
    ctcTarget: 60,
    augmented: true,
    accumulating: false,
  });
  const withEncoderLayer: MmerConfig = { ...DEFAULT_CONFIG, encoderLayers: 1 };
  const budget = WASM_TRAIN_BUDGET_BYTES;

  it('runs batch 16 with both views at once, and batch 24 one view at a time', () => {
    expect(planStep(DEFAULT_CONFIG, shape(8), budget)?.schedule).toBe('joint');
    expect(planStep(DEFAULT_CONFIG, shape(16), budget)?.schedule).toBe('joint');
    expect(planStep(DEFAULT_CONFIG, shape(24), budget)?.schedule).toBe('sequential');
  });

  it('fits batch 16 with a trainable encoder layer (the page default), not 24', () => {
    expect(planStep(withEncoderLayer, shape(8), budget)?.schedule).toBe('joint');
    expect(planStep(withEncoderLayer, shape(16), budget)?.schedule).toBe('sequential');
    expect(planStep(withEncoderLayer, shape(24), budget)).toBeNull();
    expect(largestFittingBatch(withEncoderLayer, shape(24), budget)).toBe(19);
    expect(() => requireStepPlan(withEncoderLayer, shape(24), budget)).toThrow(/Use a batch size of 19 or less/);
  });

  it('says when not even one clip fits', () => {
    const minute = { ...shape(8), frames: 3000 };
    expect(() => requireStepPlan(withEncoderLayer, minute, budget)).toThrow(AppError);
    expect(() => requireStepPlan(withEncoderLayer, minute, budget)).toThrow(/even with one clip per batch/);
  });

  it('takes the worst batch from the longest clip and transcript of either view', () => {
    const [a, b, c] = examples(SMALL, 3, 10, 4, 2);
    if (a === undefined || b === undefined || c === undefined) throw new Error('no examples');
    const longAug = {
      ...c,
      augmented: {
        audio: { rows: 30, dim: 48, data: new Float32Array(30 * 48) },
        text: { rows: 7, dim: 40, data: new Float32Array(7 * 40) },
      },
    };
    const s = stepShape([a, b, longAug], 2, DEFAULT_LOSS, 1);
    expect(s).toEqual({ batch: 2, frames: 30, tokens: 7, ctcTarget: 2, augmented: true, accumulating: false });
    expect(stepShape([a, b, c], 3, { ...DEFAULT_LOSS, ctc: 0, acl: 0 }, 2)).toMatchObject({
      ctcTarget: null,
      augmented: false,
      accumulating: true,
    });
  });
});
