/**
 * How much memory one training step takes, from the shapes alone, so a run that cannot fit the WASM heap is refused
 * (or run with its views one after the other) before the first step rather than dying inside one.
 *
 * tfjs-core keeps every saved tensor and every gradient of a step until its backward pass ends, so a step's peak is
 * the parameters' gradients plus, per clip, a sum over the blocks of the head. The per-block counts were measured on
 * tfjs-backend-wasm (with the shared Identity kernel, wasm-memory.ts, and the lean gradients of lean-grad.ts) over
 * widths 64-256, 24-300 positions and 2-8 heads, where 27·Tq·w + 4·Tq·ffn + 9·Tk·w + 8·heads·Tq·Tk floats per clip
 * matched every measurement to 0.5 % (tfjs-core's own gradients of the same ops held 57·Tq·w + 17·Tq·ffn + 10·Tk·w +
 * 12·heads·Tq·Tk);
 * the remaining terms (projections, pooling, CTC) are rounded up from whole-head measurements. The test
 * (memory-plan.test.ts) holds the estimate between the measured peak and 25 % above it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AppError } from '../core/errors';
import { encoderLayersOf, type MmerConfig } from './config';
import type { LossWeights, TrainExample } from './multitask';
import { paramSpecs } from './params';
import type { ViewSchedule } from './step';

/**
 * Bytes of the wasm heap a step may plan to use: its 4 GiB cap less room for the allocator's fragmentation (a failed
 * base-size step was refused 8 % below the cap) and the estimate's error.
 */
export const WASM_TRAIN_BUDGET_BYTES = 3.4 * 2 ** 30;

/** The budget `fit` applies by default: the wasm heap's on the wasm backend; none elsewhere (no hard cap known). */
export function defaultMemoryBudget(): number | null {
  return tf.getBackend() === 'wasm' ? WASM_TRAIN_BUDGET_BYTES : null;
}

/** The largest batch a run will see, as the memory estimate needs it. */
export interface StepShape {
  readonly batch: number;
  /** Audio frames of the longest clip (either view): batches are padded to their longest clip. */
  readonly frames: number;
  /** Text tokens of the longest transcript (either view). */
  readonly tokens: number;
  /** Labels of the longest CTC target; null when the CTC loss is off. */
  readonly ctcTarget: number | null;
  /** Whether the augmented views run (ACL on). */
  readonly augmented: boolean;
  /** Whether gradients are accumulated over several batches (the running sum then stays alive across steps). */
  readonly accumulating: boolean;
}

/**
 * The shape of a batch of `batch` clips drawn from `examples`, padded to their longest clip and transcript: with all
 * of a run's training examples, the worst batch it can meet.
 */
export function stepShape(
  examples: readonly TrainExample[],
  batch: number,
  loss: LossWeights,
  accumulation: number,
): StepShape {
  let frames = 1;
  let tokens = 1;
  let target = 0;
  let augmented = false;
  for (const e of examples) {
    frames = Math.max(frames, e.audio.rows, e.augmented?.audio.rows ?? 0);
    tokens = Math.max(tokens, e.text.rows, e.augmented?.text.rows ?? 0);
    target = Math.max(target, e.ctcTarget?.length ?? 0);
    augmented ||= e.augmented !== null;
  }
  return {
    batch,
    frames,
    tokens,
    ctcTarget: loss.ctc > 0 ? target : null,
    augmented: augmented && loss.acl > 0,
    accumulating: accumulation > 1,
  };
}

/** Floats per clip that one attention block (`Tq` queries over `Tk` keys) holds through a step's backward pass. */
export function blockFloats(queries: number, keys: number, width: number, heads: number, ffn: number): number {
  return 27 * queries * width + 4 * queries * ffn + 9 * keys * width + 8 * heads * queries * keys;
}

/** Floats per clip of one view's forward and backward pass; `ctcTarget` adds the CTC head and loss (original view). */
function viewFloats(c: MmerConfig, frames: number, tokens: number, ctcTarget: number | null): number {
  const d = c.hidden;
  const enc = encoderLayersOf(c);
  let n = enc.count * (blockFloats(frames, frames, c.audioDim, enc.heads, enc.ffn) + 2 * frames * c.audioDim);
  if (c.audioDim !== d) n += 4 * frames * (c.audioDim + d);
  if (c.textDim !== d) n += 4 * tokens * (c.textDim + d);
  n += c.audioLayers * blockFloats(frames, frames, d, c.heads, c.ffn);
  n +=
    blockFloats(tokens, tokens, d, c.heads, c.ffn) +
    2 * blockFloats(tokens, frames, d, c.heads, c.ffn) +
    blockFloats(frames, tokens, d, c.heads, c.ffn);
  // Projections to blocks B and C, the gate, pooling and the contrastive projection.
  n += 15 * frames * d + 21 * tokens * d + 64 * d;
  // The CTC head, and the loss's recursion over 2L + 1 states per frame.
  if (ctcTarget !== null) n += frames * (2 * d + 4 * c.vocabSize) + 40 * frames * (2 * ctcTarget + 1);
  return n;
}

/** Number of trainable values of a config. */
export function paramCount(c: MmerConfig): number {
  return paramSpecs(c).reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Estimated peak bytes of one training step (forward, backward and AdamW), optimizer state included. 'sequential'
 * holds one view's pass at a time (step.ts); a shape without the augmented view runs one view either way.
 */
export function estimateStepBytes(c: MmerConfig, shape: StepShape, schedule: ViewSchedule): number {
  const p = paramCount(c);
  // Parameters and Adam's two moments, plus the gradient sum while accumulating.
  const state = (shape.accumulating ? 4 : 3) * p;
  const orig = shape.batch * viewFloats(c, shape.frames, shape.tokens, shape.ctcTarget);
  if (!shape.augmented) return 4 * (state + p + orig);
  const aug = shape.batch * viewFloats(c, shape.frames, shape.tokens, null);
  // Joint: both views' passes at once, and a second gradient per parameter (one per view) before they are summed.
  if (schedule === 'joint') return 4 * (state + 2 * p + orig + aug);
  // Sequential: the first pass's gradients stay alive through the second pass.
  return 4 * (state + Math.max(p + orig, 2 * p + aug));
}

/** What a step should do within a memory budget. */
export interface StepPlan {
  readonly schedule: ViewSchedule;
  readonly bytes: number;
}

/** The fastest schedule that fits `budget` bytes (joint before sequential), or null when neither fits. */
export function planStep(c: MmerConfig, shape: StepShape, budget: number): StepPlan | null {
  for (const schedule of ['joint', 'sequential'] as const) {
    const bytes = estimateStepBytes(c, shape, schedule);
    if (bytes <= budget) return { schedule, bytes };
  }
  return null;
}

/** The largest batch (up to `shape.batch`) some schedule fits into `budget`; 0 when not even one clip fits. */
export function largestFittingBatch(c: MmerConfig, shape: StepShape, budget: number): number {
  let batch = shape.batch;
  while (batch > 0 && planStep(c, { ...shape, batch }, budget) === null) batch -= 1;
  return batch;
}

/**
 * The plan for a run's largest batch within `budget`.
 * @throws AppError('bad-dataset') naming the largest batch that fits, or the clip length, when nothing fits.
 */
export function requireStepPlan(c: MmerConfig, shape: StepShape, budget: number): StepPlan {
  const plan = planStep(c, shape, budget);
  if (plan !== null) return plan;
  const gib = (bytes: number): string => (bytes / 2 ** 30).toFixed(1);
  const need = `A training step at batch ${String(shape.batch)} would need about ${gib(estimateStepBytes(c, shape, 'sequential'))} GiB, more than the ${gib(budget)} GiB this engine can hold`;
  const fits = largestFittingBatch(c, shape, budget);
  const clip = `the longest clip has ${String(shape.frames)} audio frames`;
  throw new AppError(
    'bad-dataset',
    fits > 0
      ? `${need}. Use a batch size of ${String(fits)} or less (${clip}; shorter clips allow more).`
      : `${need}, even with one clip per batch (${clip}). Remove or shorten the longest clips.`,
  );
}
