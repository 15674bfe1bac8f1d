/**
 * Page-side client of the ML worker. It restarts the worker when it crashes, answers calls that were in flight
 * with a 'worker-crashed' error (the caller keeps its audio and can retry), and re-runs the last `init`.
 */
import * as Comlink from 'comlink';
import type { MlApi } from '../../workers/ml.worker';
import type { Result } from '../core/errors';
import type { CrashNotice, MlClient } from './client-types';
import type { SplitName } from '../data/library/types';
import type { AnalysisSummary, BackendInfo, HeadFiles, HeadInfo, HeadStatus, InitOptions, LoadProgress, ScoredEmotion, UtteranceStatsRow, VoiceRecordings } from './protocol';
import type { Evaluation, TrainEvent, TrainOutcome, TrainRequest } from './training-protocol';

/** Creates the module worker; replaceable in tests. */
export type WorkerFactory = () => Worker;

const defaultFactory: WorkerFactory = () => new Worker(new URL('../../workers/ml.worker.ts', import.meta.url), { type: 'module', name: 'mmer-ml' });

interface Live {
  readonly worker: Worker;
  readonly remote: Comlink.Remote<MlApi>;
}

/** Starts the ML worker and returns a crash-tolerant client for it. */
export function createMlClient(factory: WorkerFactory = defaultFactory): MlClient {
  const listeners = new Set<(n: CrashNotice) => void>();
  const inFlight = new Set<(r: Result<never>) => void>();
  let lastInit: { options: InitOptions; onProgress: (p: LoadProgress) => void } | null = null;
  let restarts = 0;
  let disposed = false;
  let live = start();

  function start(): Live {
    const worker = factory();
    const remote = Comlink.wrap<MlApi>(worker);
    worker.addEventListener('error', (ev) => {
      ev.preventDefault();
      crashed(worker, ev.message || 'the worker raised an uncaught error');
    });
    worker.addEventListener('messageerror', () => {
      crashed(worker, 'a message from the worker could not be read');
    });
    return { worker, remote };
  }

  function crashed(worker: Worker, why: string): void {
    if (disposed || worker !== live.worker) return;
    worker.terminate();
    live.remote[Comlink.releaseProxy]();
    restarts += 1;
    const message = `The ML engine stopped unexpectedly (${why}) and was restarted.`;
    for (const settle of inFlight) settle({ ok: false, error: { code: 'worker-crashed', message } });
    inFlight.clear();
    live = start();
    const again = lastInit;
    const reinit = again === null ? null : call((r) => r.init(again.options, Comlink.proxy(again.onProgress)));
    for (const l of listeners) l({ message, restarts, reinit });
  }

  /** Runs a remote call that settles with a crash error if the worker dies first. */
  function call<T>(fn: (remote: Comlink.Remote<MlApi>) => Promise<Result<T>>): Promise<Result<T>> {
    return new Promise<Result<T>>((resolve) => {
      const settle = (r: Result<T>): void => {
        if (inFlight.delete(settle)) resolve(r);
      };
      inFlight.add(settle);
      fn(live.remote).then(settle, (err: unknown) => {
        settle({ ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } });
      });
    });
  }

  return {
    init(options: InitOptions, onProgress: (p: LoadProgress) => void): Promise<Result<BackendInfo>> {
      lastInit = { options, onProgress };
      return call((r) => r.init(options, Comlink.proxy(onProgress)));
    },
    analyse(pcm16k: Float32Array): Promise<Result<AnalysisSummary>> {
      // Transfer a copy: the caller keeps its own array (the clip must survive a failed analysis).
      const copy = pcm16k.slice();
      return call((r) => r.analyse(Comlink.transfer(copy, [copy.buffer])));
    },
    loadHead(files: HeadFiles): Promise<Result<HeadInfo>> {
      // Transfer a copy: the page keeps the original to load the head again into a restarted worker.
      const weights = files.weights.slice();
      return call((r) => r.loadHead(Comlink.transfer({ ...files, weights }, [weights.buffer])));
    },
    unloadHead(): Promise<Result<null>> {
      return call((r) => r.unloadHead());
    },
    classifyLast(): Promise<Result<ScoredEmotion | null>> {
      return call((r) => r.classifyLast());
    },
    headStatus(): Promise<Result<HeadStatus>> {
      return call(async (r) => ({ ok: true, value: await r.headStatus() }));
    },
    setVoice(recordings: VoiceRecordings | null): Promise<Result<number>> {
      return call((r) => r.setVoice(recordings));
    },
    lastUtteranceStats(): Promise<Result<UtteranceStatsRow | null>> {
      return call((r) => r.lastUtteranceStats());
    },
    train(request: TrainRequest, onEvent: (e: TrainEvent) => void): Promise<Result<TrainOutcome>> {
      return call((r) => r.train(request, Comlink.proxy(onEvent)));
    },
    pauseTraining(): Promise<Result<null>> {
      return call((r) => r.pauseTraining());
    },
    resumeTraining(): Promise<Result<null>> {
      return call((r) => r.resumeTraining());
    },
    cancelTraining(): Promise<Result<null>> {
      return call((r) => r.cancelTraining());
    },
    evaluateHead(headId: string, split: SplitName): Promise<Result<Evaluation>> {
      return call((r) => r.evaluateHead(headId, split));
    },
    lastFeatures() {
      return live.remote.lastFeatures();
    },
    onCrash(listener: (notice: CrashNotice) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async debugCrash(when: 'now' | 'during-next-analysis' = 'now'): Promise<void> {
      await live.remote.debugCrash(when);
    },
    dispose(): void {
      disposed = true;
      live.remote[Comlink.releaseProxy]();
      live.worker.terminate();
    },
  };
}
