/**
 * Training and evaluation of the MMER head on cached encoder features with the full multitask loss
 * L = CE + a*CTC + b*SupCon + g*ACL. Model selection uses the validation split only (never test), by UA.
 */
import * as tf from '@tensorflow/tfjs-core';
import { seededShuffle } from '../data/splits';
import { disposeBatch, makeBatch, type ClipFeatures } from './batch';
import type { MmerConfig } from './config';
import { disposeMmerOutputs, mmerForward } from './head';
import { defaultMemoryBudget, planStep, requireStepPlan, stepShape } from './memory-plan';
import { classMetrics, type ClassMetrics } from './metrics';
import { DEFAULT_LOSS, type LossParts, type LossWeights, type TrainExample } from './multitask';
import { AdamW, type AdamWOptions, type AdamWState } from './optimizer';
import type { ParamStore, SerialisedParams } from './params';
import { specAugmentChunk, type SpecAugmentOptions } from './spec-augment';
import { stepGrads } from './step';
import { prefixRows } from './utterance';
import { ParamAverage } from './weight-average';

export {
  DEFAULT_LOSS,
  augmentedProjection,
  multitaskLoss,
  usesAugmentedView,
  type LossParts,
  type LossWeights,
  type TrainExample,
} from './multitask';

export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Micro-batches whose gradients are summed before one optimizer step. */
  readonly accumulation: number;
  readonly seed: number;
  /** Epochs without a better validation UA before stopping (0 = never stop early). */
  readonly patience: number;
  readonly optimizer: Partial<AdamWOptions>;
  readonly loss: LossWeights;
  readonly onStep?: (p: { epoch: number; step: number; steps: number; loss: LossParts }) => void;
  readonly onEpoch?: (p: { epoch: number; loss: LossParts; validation: ClassMetrics | null }) => void;
  /** Checked between steps; resolving true stops training after the current step. */
  readonly shouldStop?: () => boolean;
  /** Awaited before every step: a caller pauses training by not settling it (rejecting it aborts `fit`). */
  readonly beforeStep?: () => Promise<void>;
  /**
   * Called after every complete epoch (not after one cut short by `shouldStop`) with all a later `fit` needs to go on
   * from there (`resume`), e.g. to store a checkpoint. Training waits for it.
   */
  readonly onEpochEnd?: (state: FitState) => Promise<void>;
  /** Continue a run after `resume.epoch`: the store must hold the parameters of `FitState.params`. */
  readonly resume?: FitResume;
  /**
   * Bytes a training step may take (memory-plan.ts; default: the wasm heap's budget on the wasm backend, none
   * elsewhere; null: none). A run whose worst batch cannot fit is refused before its first step; a batch that fits
   * only with its two views one after the other runs so (step.ts: the same loss and gradients, one more forward pass).
   */
  readonly memoryBudget?: number | null;
  /** Masks random time spans and bands of the audio frames at every step (spec-augment.ts); absent or null: none. */
  readonly specAugment?: SpecAugmentOptions | null;
  /**
   * Scores and keeps an exponential moving average of the weights (weight-average.ts) with this decay per optimizer
   * step instead of the raw weights; absent or null: the raw weights.
   */
  readonly averageDecay?: number | null;
}

/** One finished epoch: mean training loss and validation metrics (plain JSON-safe data). */
export interface EpochRecord {
  readonly epoch: number;
  readonly loss: LossParts;
  readonly validation: ClassMetrics | null;
}

/** The best validation epoch so far and its parameters. */
export interface BestEpoch {
  readonly epoch: number;
  readonly ua: number;
  readonly params: SerialisedParams;
}

/** The state of a run after a complete epoch; `fit` with `resume` continues from it as if it had never stopped. */
export interface FitState {
  /** Last finished epoch. */
  readonly epoch: number;
  /** Parameters after `epoch` (not the best ones): what the store must hold to resume. */
  readonly params: SerialisedParams;
  readonly optimizer: AdamWState;
  readonly best: BestEpoch | null;
  /** Epochs without a better validation UA since `best`. */
  readonly sinceBest: number;
  readonly history: readonly EpochRecord[];
  /** The weight average after `epoch` (runs with `averageDecay`), else null. */
  readonly average: SerialisedParams | null;
}

/** What `fit` needs to resume (the parameters themselves are the store's). */
export type FitResume = Omit<FitState, 'params' | 'average'> & { readonly average?: SerialisedParams | null };

export const DEFAULT_TRAIN: TrainOptions = {
  epochs: 10,
  batchSize: 8,
  accumulation: 1,
  seed: 0,
  patience: 3,
  optimizer: {},
  loss: DEFAULT_LOSS,
};

async function readParts(parts: Map<keyof LossParts, tf.Scalar>): Promise<LossParts> {
  const out: Record<keyof LossParts, number> = { total: 0, ce: 0, ctc: 0, supcon: 0, acl: 0 };
  for (const [k, t] of parts) out[k] = (await t.data())[0] ?? Number.NaN;
  // The total may be the very CE tensor (no auxiliary terms): dispose each tensor once.
  tf.dispose([...new Set(parts.values())]);
  parts.clear();
  return out;
}

/** Predicted class per example (eval mode, batched). Reads asynchronously so it works on WebGPU. */
export async function predict(
  params: ParamStore,
  config: MmerConfig,
  clips: readonly ClipFeatures[],
  batchSize = 16,
): Promise<{ label: number; scores: number[] }[]> {
  const results: { label: number; scores: number[] }[] = [];
  for (let i = 0; i < clips.length; i += batchSize) {
    const { batch } = makeBatch(clips.slice(i, i + batchSize));
    const out = mmerForward(params, config, batch, { training: false });
    const probs = tf.softmax(out.logits);
    const data = await probs.data();
    const n = config.labels.length;
    for (let b = 0; b < data.length / n; b++) {
      const scores = Array.from(data.subarray(b * n, (b + 1) * n));
      results.push({ label: scores.indexOf(Math.max(...scores)), scores });
    }
    probs.dispose();
    disposeMmerOutputs(out);
    disposeBatch(batch);
  }
  return results;
}

/** UA, WA, macro-F1 and the confusion matrix of the head on labelled clips. */
export async function evaluate(
  params: ParamStore,
  config: MmerConfig,
  examples: readonly (ClipFeatures & { label: number })[],
): Promise<ClassMetrics> {
  const preds = await predict(params, config, examples);
  return classMetrics(
    examples.map((e) => e.label),
    preds.map((p) => p.label),
    config.labels.length,
  );
}

function mean(xs: readonly LossParts[]): LossParts {
  const keys = ['total', 'ce', 'ctc', 'supcon', 'acl'] as const;
  const out: Record<keyof LossParts, number> = { total: 0, ce: 0, ctc: 0, supcon: 0, acl: 0 };
  for (const k of keys) out[k] = xs.reduce((s, x) => s + x[k], 0) / Math.max(1, xs.length);
  return out;
}

export interface FitResult {
  /** Every epoch of the run, those before a resume included. */
  readonly epochs: readonly EpochRecord[];
  /** Epoch whose parameters were kept (best validation UA; the last epoch without validation). */
  readonly bestEpoch: number;
  readonly bestValidation: ClassMetrics | null;
  /** Whether `patience` epochs without a better validation UA ended the run before its last epoch. */
  readonly stoppedEarly: boolean;
}

/**
 * Trains `params` in place; with validation examples, keeps the parameters of the best-UA epoch. Epoch e shuffles
 * and draws dropout from (seed, e) alone, so a run resumed after epoch k (`resume`) ends with the parameters an
 * uninterrupted run would have.
 */
export async function fit(
  params: ParamStore,
  config: MmerConfig,
  train: readonly TrainExample[],
  validation: readonly TrainExample[],
  options: Partial<TrainOptions> = {},
): Promise<FitResult> {
  const o = { ...DEFAULT_TRAIN, ...options };
  const opt = new AdamW(params, o.optimizer);
  const avg = o.averageDecay == null ? null : new ParamAverage(params, o.averageDecay, o.resume?.average ?? undefined);
  const parts = new Map<keyof LossParts, tf.Scalar>();
  const epochs: EpochRecord[] = [...(o.resume?.history ?? [])];
  let best: BestEpoch | null = o.resume?.best ?? null;
  let sinceBest = o.resume?.sinceBest ?? 0;
  let stoppedEarly = false;
  const steps = Math.ceil(train.length / o.batchSize);
  // A run stored right after its patience ran out has nothing left to do.
  const spent = o.patience > 0 && sinceBest >= o.patience;
  stoppedEarly = spent && (o.resume?.epoch ?? 0) < o.epochs;
  const budget = o.memoryBudget === undefined ? defaultMemoryBudget() : o.memoryBudget;
  // Refused here, not by the allocator halfway through an epoch.
  if (budget !== null && !spent)
    requireStepPlan(config, stepShape(train, Math.min(o.batchSize, train.length), o.loss, o.accumulation), budget);
  const scheduleOf = (chunk: readonly TrainExample[]) =>
    budget === null
      ? 'joint'
      : (planStep(config, stepShape(chunk, chunk.length, o.loss, o.accumulation), budget)?.schedule ?? 'sequential');
  try {
    if (o.resume !== undefined) opt.importState(o.resume.optimizer);
    for (let epoch = (o.resume?.epoch ?? 0) + 1; epoch <= o.epochs && !spent; epoch++) {
      if (avg?.averaged === true) avg.swap();
      const order = seededShuffle(train, o.seed * 1000 + epoch);
      const losses: LossParts[] = [];
      let stopped = false;
      for (let s = 0; s < steps; s++) {
        await o.beforeStep?.();
        const stepSeed = o.seed * 7919 + epoch * 131 + s;
        const drawn = order.slice(s * o.batchSize, (s + 1) * o.batchSize);
        const chunk =
          o.specAugment == null
            ? drawn
            : specAugmentChunk(drawn, o.specAugment, prefixRows(config.utterance), stepSeed + 0x5eed);
        const { value, grads } = stepGrads(params, config, chunk, o.loss, stepSeed, parts, scheduleOf(chunk));
        parts.set('total', value);
        opt.accumulate(grads, 1 / o.accumulation);
        if ((s + 1) % o.accumulation === 0 || s === steps - 1) {
          await opt.apply();
          avg?.update();
        }
        const loss = await readParts(parts);
        losses.push(loss);
        o.onStep?.({ epoch, step: s + 1, steps, loss });
        if (o.shouldStop?.() === true) {
          stopped = s < steps - 1;
          break;
        }
      }
      // Validation, the kept best and onEpochEnd's caller see the average; the next epoch trains the raw weights.
      avg?.swap();
      const validationMetrics = validation.length > 0 ? await evaluate(params, config, validation) : null;
      // The next step changes every weight: products kept for scoring them would only hold memory through training.
      params.derived.clear();
      const entry = { epoch, loss: mean(losses), validation: validationMetrics };
      epochs.push(entry);
      o.onEpoch?.(entry);
      let patienceOut = false;
      if (validationMetrics !== null) {
        if (best === null || validationMetrics.ua > best.ua) {
          best = { epoch, ua: validationMetrics.ua, params: await params.serialise() };
          sinceBest = 0;
        } else if (o.patience > 0 && ++sinceBest >= o.patience) patienceOut = true;
      }
      if (!stopped && o.onEpochEnd !== undefined) {
        const state = {
          params: avg === null ? await params.serialise() : await avg.raw(),
          average: avg === null ? null : await avg.average(),
        };
        await o.onEpochEnd({
          epoch,
          ...state,
          optimizer: await opt.exportState(),
          best,
          sinceBest,
          history: [...epochs],
        });
      }
      if (patienceOut) {
        stoppedEarly = epoch < o.epochs;
        break;
      }
      if (o.shouldStop?.() === true) break;
    }
    // Without validation the run keeps the average of its last epoch.
    if (avg !== null && !avg.averaged) avg.swap();
  } finally {
    avg?.dispose();
    opt.dispose();
    tf.dispose([...parts.values()]);
  }
  if (best !== null) params.assign(best.params);
  const bestEpoch = best?.epoch ?? epochs.at(-1)?.epoch ?? 0;
  const bestValidation = best === null ? null : (epochs.find((e) => e.epoch === bestEpoch)?.validation ?? null);
  return { epochs, bestEpoch, bestValidation, stoppedEarly };
}
