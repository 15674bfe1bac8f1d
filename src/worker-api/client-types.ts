/**
 * The page-side face of the ML worker, derived from the worker's own API type: a method added to the worker is
 * callable from the page with no other edit. `createMlClient` (client.ts) implements it; UI code depends only on
 * these types.
 */
import type { MlApi } from '../../workers/ml.worker';
import type { Result } from '../core/errors';
import type { BackendInfo } from '../runtime/runtime-types';

/** The value inside the `Result` a worker method returns (directly or through a promise). */
type Settled<R> = Awaited<R> extends Result<infer V> ? V : never;

/**
 * The worker's methods as the page calls them: the same arguments (callbacks are proxied, clips and head weights are
 * sent as copies), each resolving to its `Result`, never rejecting; a worker crash meanwhile is 'worker-crashed'.
 */
export type MlCalls = {
  readonly [K in keyof MlApi]: (...args: Parameters<MlApi[K]>) => Promise<Result<Settled<ReturnType<MlApi[K]>>>>;
};

/** Reported when the worker died and a fresh one was started in its place. */
export interface CrashNotice {
  readonly message: string;
  /** How many times the worker has been restarted in this page's life. */
  readonly restarts: number;
  /** The models being loaded again in the new worker (null when `init` had never been called). */
  readonly reinit: Promise<Result<BackendInfo>> | null;
}

/** A handle on the ML worker that survives worker crashes (it restarts the worker and re-runs `init`). */
export interface MlClient extends MlCalls {
  /** Subscribes to crash notices; returns an unsubscribe function. */
  onCrash(listener: (notice: CrashNotice) => void): () => void;
  /** Terminates the worker. */
  dispose(): void;
}
