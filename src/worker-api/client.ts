/**
 * Page-side client of the ML worker. It restarts the worker when it crashes, answers calls that were in flight
 * with a 'worker-crashed' error (the caller keeps its audio and can retry), and re-runs the last `init`.
 */
import * as Comlink from 'comlink';
import type { MlApi } from '../../workers/ml.worker';
import type { Result } from '../core/errors';
import type { CrashNotice, MlClient } from './client-types';
import { methodProxy } from './method-proxy';
import type { HeadFiles, InitOptions } from './protocol';
import type { LoadProgress } from '../runtime/runtime-types';

/**
 * What a call sends instead of its arguments, where they must not be shared: the clip and the head's weights go as
 * transferred copies, so the caller keeps its own (a clip must survive a failed analysis; the page keeps a head's
 * weights to load it again into a restarted worker).
 */
const OUTGOING: { readonly [K in keyof MlApi]?: (args: readonly unknown[]) => unknown[] } = {
  analyse: ([pcm]) => {
    const copy = (pcm as Float32Array).slice();
    return [Comlink.transfer(copy, [copy.buffer])];
  },
  // Blocks of a long file are the page's to give away: sent without a copy.
  timelinePush: ([pcm]) => [Comlink.transfer(pcm, [(pcm as Float32Array).buffer])],
  loadHead: ([files]) => {
    const f = files as HeadFiles;
    const weights = f.weights.slice();
    const training = f.training?.slice();
    const moved = training === undefined ? [weights.buffer] : [weights.buffer, training.buffer];
    return [Comlink.transfer({ ...f, weights, ...(training === undefined ? {} : { training }) }, moved)];
  },
};

/** Creates the module worker; replaceable in tests. */
export type WorkerFactory = () => Worker;

const defaultFactory: WorkerFactory = () =>
  new Worker(new URL('../../workers/ml.worker.ts', import.meta.url), { type: 'module', name: 'mmer-ml' });

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

  /** A method call on the worker, made crash-safe; callbacks are proxied and `OUTGOING` prepares the rest. */
  function invoke(method: keyof MlApi, args: readonly unknown[]): Promise<Result<unknown>> {
    if (method === 'init')
      lastInit = { options: args[0] as InitOptions, onProgress: args[1] as (p: LoadProgress) => void };
    const sent = (OUTGOING[method]?.(args) ?? args).map((a) =>
      typeof a === 'function' ? Comlink.proxy(a as (...xs: unknown[]) => unknown) : a,
    );
    return call((r) => (r[method] as (...xs: unknown[]) => Promise<Result<unknown>>)(...sent));
  }

  const own = {
    onCrash: (listener: (notice: CrashNotice) => void): (() => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: (): void => {
      disposed = true;
      live.remote[Comlink.releaseProxy]();
      live.worker.terminate();
    },
  };
  // Every other property is a worker method (MlCalls is derived from the worker's type, so names are checked there).
  return methodProxy<MlClient>((name, args) => invoke(name as keyof MlApi, args), own);
}
