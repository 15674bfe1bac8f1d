/**
 * Plain-data types of training and evaluation in the ML worker (the page imports them with `import type`). The
 * worker reads clips from the IndexedDB library itself, so only ids and settings cross the thread boundary.
 */
import type { ErrorInfo } from '../core/errors';
import type { SplitName } from '../data/library/library-types';
import type { FetchWhy } from '../runtime/runtime-types';
import type { HeadEngine } from './protocol';

/** The multitask loss components of a step or an epoch (weighted terms are reported unweighted). */
export interface LossReport {
  readonly total: number;
  readonly ce: number;
  readonly ctc: number;
  readonly supcon: number;
  readonly acl: number;
}

/** UA (mean per-class recall), WA (accuracy) and macro-F1, each in [0, 1]. */
export interface MetricsSummary {
  readonly ua: number;
  readonly wa: number;
  readonly macroF1: number;
}

/** Everything a person can set for a fine-tuning run; defaults are the authors' values (`DEFAULT_TRAIN_SETTINGS`). */
export interface TrainSettings {
  /** Name the trained head gets in the library. */
  readonly headName: string;
  /** Labels in logit order (the active label set); clips with other labels are left out and counted. */
  readonly labels: readonly string[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly warmupSteps: number;
  /** Loss weights a (CTC), b (SupCon), g (ACL) and the contrastive temperature. */
  readonly ctcWeight: number;
  readonly supconWeight: number;
  readonly aclWeight: number;
  readonly temperature: number;
  /** Trainable wav2vec2 layers for ONNX pairs (0 = frozen encoder); ignored by the lite pair. */
  readonly encoderLayers: number;
  /** Epochs without a better validation UA before stopping (0 = never). */
  readonly patience: number;
  readonly seed: number;
  /** A clip label needs at least this many training clips. */
  readonly minClipsPerLabel: number;
  /**
   * Start from a trained head instead of from nothing: a library head id, or `builtin:<id>` for a head the manifest
   * ships (the embedded one). Its labels are matched by name; absent or null: a fresh head.
   */
  readonly startFrom?: string | null;
  /** 'cosine': the learning rate decays to 0 over the run after warm-up (AdamWOptions.decaySteps); absent: constant. */
  readonly lrDecay?: 'cosine' | 'none';
}

/** The prefix of `TrainSettings.startFrom` that names a head the app ships instead of a library head. */
export const BUILTIN_PREFIX = 'builtin:';

/** A request to train on the library's clips with the loaded pair. */
export interface TrainRequest {
  readonly settings: TrainSettings;
  /** Continue this run from its last checkpoint instead of starting a new one. */
  readonly resumeRunId?: string;
}

/**
 * How much slower training is off the GPU, estimated (a fallback engine cannot time a GPU it does not have): the
 * engine's measured dense matmul rate against the rates laptop GPUs reach through WebGPU (`src/mmer/throughput.ts`).
 */
export interface OffGpuEstimate {
  /** Measured here, GFLOP/s. */
  readonly gflops: number;
  /** Times slower than a laptop GPU, low and high end of the range (>= 1). */
  readonly low: number;
  readonly high: number;
  /** The GPU rates compared against, GFLOP/s. */
  readonly reference: { readonly low: number; readonly high: number };
}

/** What the worker reports while training (a discriminated union). */
export type TrainEvent =
  | {
      readonly kind: 'started';
      readonly runId: string;
      readonly engine: HeadEngine;
      /** Off WebGPU only: the engine's measured matmul rate and the estimated slowdown against a laptop GPU. */
      readonly offGpu: OffGpuEstimate | null;
      readonly resumedFromEpoch: number | null;
      readonly clips: Readonly<Record<SplitName, number>>;
    }
  /**
   * Something the person should know that does not stop the run (CTC off, no validation clips, a checkpoint not saved).
   */
  | { readonly kind: 'notice'; readonly message: string }
  /**
   * The run downloads a file that loading the models did not (training-only weights or config): said before the
   * download, with its size where known beforehand.
   */
  | {
      readonly kind: 'download';
      readonly model: string;
      readonly file: string;
      readonly bytes: number | null;
      readonly why: FetchWhy;
    }
  | { readonly kind: 'features'; readonly done: number; readonly total: number; readonly cached: number }
  | {
      readonly kind: 'step';
      readonly epoch: number;
      readonly epochs: number;
      readonly step: number;
      readonly steps: number;
      readonly loss: LossReport;
      readonly clipsPerSecond: number;
      /** Seconds left for the whole run at the current pace; null before the first timed step. */
      readonly etaSeconds: number | null;
    }
  | {
      readonly kind: 'epoch';
      readonly epoch: number;
      readonly loss: LossReport;
      readonly validation: MetricsSummary | null;
      readonly checkpointSaved: boolean;
    }
  | { readonly kind: 'paused' }
  | { readonly kind: 'resumed' };

/** How a run ended. */
export type TrainOutcome =
  | {
      readonly kind: 'done';
      readonly runId: string;
      readonly headId: string;
      readonly bestEpoch: number;
      readonly validation: MetricsSummary | null;
      readonly stoppedEarly: boolean;
    }
  | { readonly kind: 'cancelled'; readonly runId: string };

/** One clip's prediction in an evaluation. */
export interface ClipPrediction {
  readonly clipId: string;
  readonly truth: string;
  readonly predicted: string;
  /** Softmax scores in the head's label order. */
  readonly scores: readonly number[];
}

/** A head evaluated on one split of the library. */
export interface Evaluation {
  readonly headId: string;
  readonly split: SplitName;
  readonly labels: readonly string[];
  readonly metrics: MetricsSummary;
  /** Recall per label, in label order; NaN for a label with no clip in the split. */
  readonly perClassRecall: readonly number[];
  /** confusion[truth][predicted] counts, in label order. */
  readonly confusion: readonly (readonly number[])[];
  readonly predictions: readonly ClipPrediction[];
  /** Clips of the split left out (label not in the head's labels, unreadable audio), with the reason. */
  readonly skipped: readonly { readonly clipId: string; readonly reason: string }[];
}

export type { ErrorInfo };
