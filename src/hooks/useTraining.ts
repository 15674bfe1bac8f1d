/**
 * A fine-tuning run as the page follows it: the worker's events folded into what the training screen draws
 * (progress, per-step loss components, per-epoch validation UA/WA, notices), plus start, pause, resume, cancel and
 * the offer to resume a run whose page was reloaded or whose worker crashed (its last epoch checkpoint is in the
 * library). The state lives above the screens, so switching screens never loses a run.
 */
import { describeWhy } from '../runtime/fetch-ledger';
import { formatMB } from '../page/load-progress';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorInfo } from '../core/errors';
import type { TrainCheckpoint } from '../data/library/library-types';
import type { HeadEngine } from '../worker-api/protocol';
import type {
  LossReport,
  MetricsSummary,
  OffGpuEstimate,
  TrainEvent,
  TrainOutcome,
  TrainSettings,
} from '../worker-api/training-protocol';
import type { UseLibrary } from './useLibrary';
import type { UseMl } from './useMl';

export interface StepPoint {
  /** Steps since the run started (across epochs). */
  readonly x: number;
  readonly loss: LossReport;
}

export interface EpochPoint {
  readonly epoch: number;
  readonly loss: LossReport;
  readonly validation: MetricsSummary | null;
  readonly checkpointSaved: boolean;
}

export interface TrainingView {
  readonly phase: 'idle' | 'preparing' | 'training' | 'paused' | 'finished' | 'cancelled' | 'failed';
  readonly runId: string | null;
  readonly engine: HeadEngine | null;
  readonly offGpu: OffGpuEstimate | null;
  readonly clips: Readonly<Record<'train' | 'validation' | 'test', number>> | null;
  readonly resumedFromEpoch: number | null;
  readonly features: { readonly done: number; readonly total: number; readonly cached: number } | null;
  readonly current: Extract<TrainEvent, { kind: 'step' }> | null;
  readonly steps: readonly StepPoint[];
  readonly epochs: readonly EpochPoint[];
  readonly notices: readonly string[];
  readonly outcome: TrainOutcome | null;
  readonly error: ErrorInfo | null;
}

export interface UseTraining extends TrainingView {
  /** True from start until the run ends (paused included). */
  readonly running: boolean;
  /** A run that stopped without finishing (reload, crash), which can continue from its last checkpoint. */
  readonly resumable: TrainCheckpoint | null;
  readonly start: (settings: TrainSettings) => void;
  readonly resume: (runId: string) => void;
  readonly pause: () => void;
  readonly proceed: () => void;
  readonly cancel: () => void;
  /** Forgets a resumable run (its checkpoint is deleted). */
  readonly discard: (runId: string) => void;
}

const IDLE: TrainingView = {
  phase: 'idle',
  runId: null,
  engine: null,
  offGpu: null,
  clips: null,
  resumedFromEpoch: null,
  features: null,
  current: null,
  steps: [],
  epochs: [],
  notices: [],
  outcome: null,
  error: null,
};

/** What the Train screen says before a run downloads a file: its size first, then why. */
export function downloadNotice(e: Extract<TrainEvent, { kind: 'download' }>): string {
  const size = e.bytes === null ? 'a file of unknown size' : formatMB(e.bytes);
  return `Downloading ${size} for this run (${e.file}; ${describeWhy(e.why)}).`;
}

/** Folds one worker event into the view. Pure, so it is easy to test. */
export function reduceTrainEvent(view: TrainingView, e: TrainEvent): TrainingView {
  switch (e.kind) {
    case 'started':
      return {
        ...view,
        phase: 'preparing',
        runId: e.runId,
        engine: e.engine,
        offGpu: e.offGpu,
        clips: e.clips,
        resumedFromEpoch: e.resumedFromEpoch,
      };
    case 'notice':
      return { ...view, notices: [...view.notices, e.message] };
    case 'download':
      return { ...view, notices: [...view.notices, downloadNotice(e)] };
    case 'features':
      return { ...view, features: { done: e.done, total: e.total, cached: e.cached } };
    case 'step': {
      const x = (e.epoch - 1) * e.steps + e.step;
      return {
        ...view,
        phase: view.phase === 'paused' ? 'paused' : 'training',
        current: e,
        steps: [...view.steps, { x, loss: e.loss }],
      };
    }
    case 'epoch':
      return {
        ...view,
        epochs: [
          ...view.epochs.filter((p) => p.epoch !== e.epoch),
          { epoch: e.epoch, loss: e.loss, validation: e.validation, checkpointSaved: e.checkpointSaved },
        ],
      };
    case 'paused':
      return { ...view, phase: 'paused' };
    case 'resumed':
      return { ...view, phase: 'training' };
  }
}

type TrainingMl = Pick<UseMl, 'phase'> & {
  readonly worker: Pick<UseMl['worker'], 'train' | 'pauseTraining' | 'resumeTraining' | 'cancelTraining'>;
};

export function useTraining(ml: TrainingMl, library: UseLibrary, pair: string): UseTraining {
  const [view, setView] = useState<TrainingView>(IDLE);
  const [resumable, setResumable] = useState<TrainCheckpoint | null>(null);
  const runningRef = useRef(false);
  const { train, pauseTraining, resumeTraining, cancelTraining } = ml.worker;
  const { store, refresh } = library;

  // A run left 'running' or 'paused' in the library did not end: offer to continue it (same pair only).
  useEffect(() => {
    if (store === null || runningRef.current) return;
    let live = true;
    void store.latestCheckpoint().then((c) => {
      if (!live) return;
      const open = c !== null && (c.status === 'running' || c.status === 'paused') && c.settings.pair === pair;
      setResumable(open ? c : null);
    });
    return () => {
      live = false;
    };
  }, [store, pair, view.phase]);

  const run = useCallback(
    (settings: TrainSettings, resumeRunId?: string) => {
      if (runningRef.current) return;
      runningRef.current = true;
      setResumable(null);
      setView({ ...IDLE, phase: 'preparing' });
      const onEvent = (e: TrainEvent): void => {
        setView((v) => reduceTrainEvent(v, e));
      };
      void train(resumeRunId === undefined ? { settings } : { settings, resumeRunId }, onEvent).then(async (r) => {
        runningRef.current = false;
        if (r.ok)
          setView((v) => ({ ...v, phase: r.value.kind === 'done' ? 'finished' : 'cancelled', outcome: r.value }));
        else setView((v) => ({ ...v, phase: 'failed', error: r.error }));
        // The worker stored a head and a checkpoint: show them.
        await refresh().catch(() => undefined);
      });
    },
    [train, refresh],
  );

  const start = useCallback(
    (settings: TrainSettings) => {
      run(settings);
    },
    [run],
  );
  const resume = useCallback(
    (runId: string) => {
      const c = resumable;
      if (c === null || c.runId !== runId) return;
      // The worker reads the stored settings of the run; these are only what the page shows meanwhile.
      run(c.settings as unknown as TrainSettings, runId);
    },
    [resumable, run],
  );
  const discard = useCallback(
    (runId: string) => {
      void store?.deleteCheckpoint(runId).then(() => {
        setResumable((c) => (c?.runId === runId ? null : c));
      });
    },
    [store],
  );

  const phase = view.phase;
  return {
    ...view,
    running: phase === 'preparing' || phase === 'training' || phase === 'paused',
    resumable,
    start,
    resume,
    pause: () => void pauseTraining(),
    proceed: () => void resumeTraining(),
    cancel: () => void cancelTraining(),
    discard,
  };
}
