/**
 * A page training run's state as the library stores it (`TrainCheckpoint`): the trainer's `FitState` in safetensors
 * bytes, plus the run's settings and what it was trained on, so a run survives a reload and resumes exactly. Reading
 * one back checks it, since it comes from storage another version of the page may have written.
 */
import { AppError } from '../core/errors';
import type { TrainCheckpoint } from '../data/library/library-types';
import { validateConfig, type MmerConfig } from '../mmer/config';
import type { SerialisedParams } from '../mmer/params';
import { decodeSafetensors, encodeSafetensors } from '../mmer/safetensors';
import type { EpochRecord, FitResume, FitState, LossWeights } from '../mmer/trainer';
import type { TrainSettings } from '../worker-api/training-protocol';
import type { PairIdentity } from '../inference/head-target';
import { checkTrainSettings } from './train-settings';

/**
 * `TrainCheckpoint.settings` of a page run: every run setting at the top level (what the page shows, and `pair`, by
 * which it offers a resume), and under `run` what the head is built from.
 */
export interface StoredRunSettings extends TrainSettings {
  readonly pair: string;
  readonly run: {
    readonly encoders: PairIdentity;
    readonly config: MmerConfig;
    /** Loss weights used (CTC 0 when no clip had a transcript). */
    readonly loss: LossWeights;
    readonly vocab: readonly string[];
  };
}

function toBytes(record: SerialisedParams): Uint8Array {
  return encodeSafetensors(record, { format: 'mmer-train-state' });
}

function fromBytes(bytes: Uint8Array): SerialisedParams {
  const out: SerialisedParams = {};
  for (const [name, t] of Object.entries(decodeSafetensors(bytes).tensors))
    out[name] = { shape: [...t.shape], data: t.data };
  return out;
}

/** The checkpoint of a run after a complete epoch. */
export function checkpointOf(
  runId: string,
  settings: StoredRunSettings,
  state: FitState,
  status: TrainCheckpoint['status'],
): TrainCheckpoint {
  return {
    runId,
    settings: JSON.parse(JSON.stringify(settings)) as Record<string, unknown>,
    epoch: state.epoch,
    status,
    params: toBytes(state.params),
    optimizer: { step: state.optimizer.step, state: toBytes(state.optimizer.tensors) },
    best:
      state.best === null ? null : { epoch: state.best.epoch, ua: state.best.ua, params: toBytes(state.best.params) },
    sinceBest: state.sinceBest,
    history: JSON.parse(JSON.stringify(state.history)) as Record<string, unknown>[],
    updatedAt: new Date().toISOString(),
  };
}

/** A stored run, ready to continue: its settings, the parameters after its last epoch and the trainer's state. */
export interface ResumableRun {
  readonly settings: StoredRunSettings;
  readonly params: SerialisedParams;
  readonly resume: FitResume;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a checkpoint back for resuming.
 * @throws AppError('training') when the run has finished or was cancelled, or its content is damaged.
 */
export function readCheckpoint(c: TrainCheckpoint): ResumableRun {
  if (c.status === 'done' || c.status === 'cancelled')
    throw new AppError(
      'training',
      `Run ${c.runId} has ${c.status === 'done' ? 'finished' : 'been cancelled'}; start a new run instead.`,
    );
  const damaged = (why: string, cause?: unknown): never => {
    throw new AppError('training', `The checkpoint of run ${c.runId} cannot be resumed: ${why}.`, { cause });
  };
  try {
    const s = c.settings as Partial<StoredRunSettings>;
    if (
      typeof s.pair !== 'string' ||
      !isObj(s.run) ||
      !isObj(s.run.encoders) ||
      !isObj(s.run.config) ||
      !isObj(s.run.loss) ||
      !Array.isArray(s.run.vocab)
    ) {
      return damaged('its settings lack what the head is built from');
    }
    const settings = s as StoredRunSettings;
    checkTrainSettings(settings);
    validateConfig(settings.run.config);
    if (c.optimizer === null) return damaged('it holds no optimizer state');
    const history = c.history as unknown as EpochRecord[];
    if (!history.every((h) => isObj(h) && typeof h.epoch === 'number' && isObj(h.loss)))
      damaged('its history is not a list of epochs');
    const best = c.best === null ? null : { epoch: c.best.epoch, ua: c.best.ua, params: fromBytes(c.best.params) };
    return {
      settings,
      params: fromBytes(c.params),
      resume: {
        epoch: c.epoch,
        sinceBest: c.sinceBest,
        best,
        optimizer: { step: c.optimizer.step, tensors: fromBytes(c.optimizer.state) },
        history,
      },
    };
  } catch (err) {
    if (err instanceof AppError && err.code === 'training') throw err;
    return damaged(err instanceof Error ? err.message.replace(/\.$/, '') : String(err), err);
  }
}
