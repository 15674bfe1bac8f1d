/**
 * The ML worker's training and evaluation jobs: at most one run at a time, pause/resume/cancel addressed to it, and
 * the clip library opened on first use. The trainer and evaluator (TensorFlow.js code) are imported on first use,
 * like the emotion head, so a page that never trains never loads them.
 */
import type { LoadProgress } from '../runtime/runtime-types';
import { AppError } from '../core/errors';
import type { ClipLibrary, SplitName, StoredHeadFiles } from '../data/library/library-types';
import type { HeadEngine, HeadFiles } from '../worker-api/protocol';
import {
  BUILTIN_PREFIX,
  type Evaluation,
  type TrainEvent,
  type TrainOutcome,
  type TrainRequest,
} from '../worker-api/training-protocol';
import type { EncoderGraph } from '../inference/load-encoders';
import { headLayerFor, layerValue, type HeadTarget, type PairIdentity } from '../inference/head-target';
import type { EncoderPair } from '../inference/load-encoders';
import { RunSwitch } from './train-control';

/** What the loaded pipeline gives a job; the worker builds it from its current state. */
export interface JobContext {
  readonly encoders: EncoderPair;
  readonly identity: PairIdentity;
  /** The loaded features as a head sees them (widths measured once). */
  readonly target: () => Promise<HeadTarget>;
  /**
   * The audio encoder's graph (null for lite), read from the model cache only when a new run needs it; `onProgress`
   * hears of what had to be downloaded for it.
   */
  readonly audioGraph: (onProgress?: (p: LoadProgress) => void) => Promise<EncoderGraph | null>;
  /** Starts the TensorFlow.js engine (once) and names its backend. */
  readonly startEngine: () => Promise<HeadEngine>;
  /** A built-in head's files by manifest id (runs that start from `builtin:<id>`). */
  readonly builtinHead: (id: string, onProgress?: (p: LoadProgress) => void) => Promise<HeadFiles>;
}

/**
 * Progress of a run's own downloads as train events: each download is announced, with its size, before its bytes
 * come (files found in the model cache say nothing).
 */
export function downloadReporter(onEvent: (e: TrainEvent) => unknown): (p: LoadProgress) => void {
  return (p) => {
    if (p.status === 'initiate')
      void onEvent({ kind: 'download', model: p.model, file: p.file, bytes: p.total, why: p.why });
  };
}

/** Runs training and evaluation jobs against one clip library. */
export class TrainingJobs {
  private library: Promise<ClipLibrary> | null = null;
  private run: { readonly control: RunSwitch; readonly done: Promise<unknown> } | null = null;

  constructor(private readonly open: () => Promise<ClipLibrary>) {}

  /** Whether a run is going (paused included). */
  get running(): boolean {
    return this.run !== null;
  }

  private openLibrary(): Promise<ClipLibrary> {
    const opening = (this.library ??= this.open());
    // A failed open (private mode, blocked upgrade) is not kept: the next job tries again.
    opening.catch(() => {
      if (this.library === opening) this.library = null;
    });
    return opening;
  }

  /**
   * Trains on the library (see `trainOnLibrary`), reporting through `onEvent`.
   * @throws AppError('training') while another run is going.
   */
  async train(ctx: JobContext, request: TrainRequest, onEvent: (e: TrainEvent) => unknown): Promise<TrainOutcome> {
    if (this.run !== null)
      throw new AppError(
        'training',
        'A training run is already going; wait for it to end, or cancel it, before starting another.',
      );
    // A callback proxied from the page answers each call with a promise. The outcome travels on another channel, so
    // it waits for the last event's answer: the page never sees an event after the outcome.
    let delivered: Promise<unknown> = Promise.resolve();
    const control = new RunSwitch((e) => {
      const answer = onEvent(e);
      if (answer instanceof Promise) delivered = answer.catch(() => undefined);
    });
    const report = downloadReporter((e) => {
      control.onEvent(e);
    });
    const job = (async () => {
      const [library, engine, { trainOnLibrary }] = await Promise.all([
        this.openLibrary(),
        ctx.startEngine(),
        import('./library-train'),
      ]);
      const headFiles = async (id: string): Promise<StoredHeadFiles> => {
        if (id.startsWith(BUILTIN_PREFIX)) return ctx.builtinHead(id.slice(BUILTIN_PREFIX.length), report);
        const files = await library.getHeadFiles(id);
        if (files === null)
          throw new AppError('training', `The library has no head "${id}" (it may have been deleted).`);
        return files;
      };
      return trainOnLibrary(
        {
          library,
          encoders: ctx.encoders,
          identity: ctx.identity,
          audioGraph: () => ctx.audioGraph(report),
          engine,
          headFiles,
        },
        request,
        control,
      );
    })();
    const run = { control, done: job.catch(() => undefined) };
    this.run = run;
    try {
      return await job;
    } finally {
      if (this.run === run) this.run = null;
      await delivered;
    }
  }

  /** Pauses the run before its next step; nothing happens without a run. */
  pause(): void {
    this.run?.control.pause();
  }

  resume(): void {
    this.run?.control.resume();
  }

  /** Cancels the run at its next step (a paused run ends at once). */
  cancel(): void {
    this.run?.control.cancel();
  }

  /** Cancels the run, if any, and waits until it has ended (before the encoders it uses are replaced). */
  async stop(): Promise<void> {
    const run = this.run;
    if (run === null) return;
    run.control.cancel();
    await run.done;
  }

  /**
   * The audio hidden state a stored head or run was trained on, so the worker can cut the graph there first; null
   * when it is not stored, or belongs to other encoders (the job itself then says what is wrong).
   */
  async layerOf(kind: 'head' | 'run', id: string, loaded: PairIdentity): Promise<'head-input' | number | null> {
    const library = await this.openLibrary();
    if (kind === 'head') {
      const files = await library.getHeadFiles(id);
      return files === null ? null : headLayerFor(files.configJson, loaded);
    }
    const run = (await library.getCheckpoint(id))?.settings.run;
    const encoders =
      typeof run === 'object' && run !== null
        ? (run as { encoders?: { hiddenStateLayer?: unknown } }).encoders
        : undefined;
    return layerValue(encoders?.hiddenStateLayer);
  }

  /** Evaluates a stored head on a split of the library (see `evaluateHeadOnLibrary`). */
  async evaluate(ctx: JobContext, headId: string, split: SplitName): Promise<Evaluation> {
    const [library, target, , { evaluateHeadOnLibrary }] = await Promise.all([
      this.openLibrary(),
      ctx.target(),
      ctx.startEngine(),
      import('./library-eval'),
    ]);
    return evaluateHeadOnLibrary({ library, encoders: ctx.encoders, target }, headId, split);
  }
}
