/**
 * Default fine-tuning settings and their checks, shared by the page (the form) and the worker (which checks again).
 * No engine code here, so the page can import it.
 */
import { AppError } from '../core/errors';
import type { TrainSettings } from '../worker-api/training-protocol';

/**
 * The authors' loss weights (0.1 each), temperature (0.07) and weight decay; their lr 5e-5 fine-tunes a whole
 * wav2vec2, while a head trained from scratch on cached features needs a larger one (1e-3 reached the best
 * validation UA on RAVDESS with the lite pair, see README). Batch 8 matches the authors' 2 x 4 accumulation.
 */
export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  headName: 'My head',
  labels: [],
  epochs: 20,
  batchSize: 8,
  learningRate: 1e-3,
  weightDecay: 0.01,
  warmupSteps: 20,
  ctcWeight: 0.1,
  supconWeight: 0.1,
  aclWeight: 0.1,
  temperature: 0.07,
  encoderLayers: 1,
  patience: 10,
  seed: 0,
  minClipsPerLabel: 2,
};

/** Throws AppError('bad-dataset') naming the first setting out of range. */
export function checkTrainSettings(s: TrainSettings): void {
  const fail = (what: string): never => {
    throw new AppError('bad-dataset', `Training setting ${what}.`);
  };
  const int = (v: number, name: string, min: number, max: number): void => {
    if (!Number.isInteger(v) || v < min || v > max)
      fail(`"${name}" must be a whole number from ${String(min)} to ${String(max)} (got ${String(v)})`);
  };
  const real = (v: number, name: string, min: number, max: number): void => {
    if (!Number.isFinite(v) || v < min || v > max)
      fail(`"${name}" must be between ${String(min)} and ${String(max)} (got ${String(v)})`);
  };
  if (s.headName.trim() === '') fail('"head name" must not be empty');
  if (new Set(s.labels).size !== s.labels.length) fail('"labels" lists a label twice');
  if (s.labels.length < 2) fail(`"labels" needs at least two labels (got ${String(s.labels.length)})`);
  int(s.epochs, 'epochs', 1, 1000);
  int(s.batchSize, 'batch size', 1, 256);
  real(s.learningRate, 'learning rate', 1e-7, 1);
  real(s.weightDecay, 'weight decay', 0, 1);
  int(s.warmupSteps, 'warm-up steps', 0, 100_000);
  real(s.ctcWeight, 'CTC weight', 0, 10);
  real(s.supconWeight, 'SupCon weight', 0, 10);
  real(s.aclWeight, 'ACL weight', 0, 10);
  real(s.temperature, 'temperature', 0.001, 10);
  int(s.encoderLayers, 'trainable audio layers', 0, 24);
  int(s.patience, 'patience', 0, 1000);
  int(s.seed, 'seed', 0, 2 ** 31 - 1);
  int(s.minClipsPerLabel, 'minimum clips per label', 1, 10_000);
}
