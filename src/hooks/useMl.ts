/**
 * Owns the ML client for the page: starts the worker, loads the chosen model pair with byte-level progress,
 * follows crash restarts (the client re-runs `init` itself; this hook shows its progress again) and analyses
 * clips, and gives the worker's other methods to the page (`worker`; useHead.ts keeps the head's state). Changing the
 * pair or backend, or
 * calling `retry`, disposes the client and starts a fresh one.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { toErrorInfo, type ErrorInfo, type Result } from '../core/errors';
import { createMlClient } from '../worker-api/client';
import { methodProxy } from '../worker-api/method-proxy';
import type { CrashNotice, MlCalls, MlClient } from '../worker-api/client-types';
import type { BackendInfo, LoadProgress } from '../runtime/runtime-types';
import { EMPTY_SNAPSHOT, LoadTracker, type LoadSnapshot } from '../page/load-progress';
import { hubUrlSetting, manifestUrl } from '../page/manifest-url';
import type { BackendChoice } from '../page/url-options';

/** `loading`: first init or re-init after a crash; `ready`: clips can be analysed; `failed`: init failed. */
export type MlPhase = 'loading' | 'ready' | 'failed';

export interface MlState {
  /** Which init these values belong to (pair, backend, attempt). */
  readonly key: string;
  readonly phase: MlPhase;
  readonly progress: LoadSnapshot;
  readonly backend: BackendInfo | null;
  readonly error: ErrorInfo | null;
  /** The latest crash notice, if the worker has crashed in this session. */
  readonly crash: CrashNotice | null;
  /** True between a crash and the models being ready again. */
  readonly restarting: boolean;
}

export interface UseMl extends MlState {
  /**
   * The worker's methods (MlCalls: derived from its API) on the live session. Never rejects: failures, a crash and a
   * session replaced meanwhile (new pair or backend) come back as a `Result` with an error code. `init` belongs to
   * this hook; calling it here would load models behind its back.
   */
  readonly worker: Omit<MlCalls, 'init'>;
  /** Starts over with a fresh worker (after an init failure). */
  readonly retry: () => void;
  /**
   * After a load refused hub files that changed upstream ('changed-upstream'): forgets the hashes recorded at their
   * first download, then starts over, so the new files are downloaded and trusted.
   */
  readonly acceptChangedFiles: () => Promise<void>;
}

/** How often byte progress is pushed to React; downloads report far more often than anyone can read. */
const PROGRESS_INTERVAL_MS = 100;

function initialState(key: string): MlState {
  return {
    key,
    phase: 'loading',
    progress: EMPTY_SNAPSHOT,
    backend: null,
    error: null,
    crash: null,
    restarting: false,
  };
}

interface Session {
  readonly client: MlClient;
  /** Settles (with an error) when the session is disposed, so a pending analysis never hangs. */
  readonly disposed: Promise<Result<never>>;
}

/**
 * @param pair the model pair to load
 * @param backend the backend asked for
 * @param builtinHead false leaves the pair's built-in head out (`?head=none`)
 */
export function useMl(pair: string, backend: BackendChoice, builtinHead = true): UseMl {
  const [attempt, setAttempt] = useState(0);
  const key = `${pair}|${backend}|${builtinHead ? 'head' : 'no-head'}|${attempt}`;
  const [stored, setState] = useState<MlState>(() => initialState(key));
  // State from a previous pair/attempt is never shown: until the new session reports, it is a fresh 'loading'.
  const state = stored.key === key ? stored : initialState(key);
  const sessionRef = useRef<Session | null>(null);

  useEffect(() => {
    const client = createMlClient();
    let live = true;
    let cancel: (r: Result<never>) => void = () => undefined;
    const disposed = new Promise<Result<never>>((resolve) => {
      cancel = resolve;
    });
    sessionRef.current = { client, disposed };

    const tracker = new LoadTracker();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const update = (patch: (s: MlState) => Partial<MlState>): void => {
      if (!live) return;
      setState((prev) => {
        const base = prev.key === key ? prev : initialState(key);
        return { ...base, progress: tracker.snapshot(), ...patch(base) };
      });
    };
    const flush = (): void => {
      timer = undefined;
      update(() => ({}));
    };

    const onProgress = (p: LoadProgress): void => {
      if (!live) return;
      tracker.apply(p);
      timer ??= setTimeout(flush, PROGRESS_INTERVAL_MS);
    };

    const settleInit = (res: Result<BackendInfo>): void => {
      if (!live) return;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (res.ok) update(() => ({ phase: 'ready', backend: res.value, error: null, restarting: false }));
      // A crash during init is followed by a re-init in the new worker; the crash listener reports its outcome.
      else if (res.error.code !== 'worker-crashed')
        update(() => ({ phase: 'failed', error: res.error, restarting: false }));
    };

    const unsubscribe = client.onCrash((notice) => {
      if (!live) return;
      tracker.resetReady();
      update((s) => ({
        crash: notice,
        restarting: notice.reinit !== null,
        // A failed init stays failed (the user retries); otherwise models load again.
        phase: s.phase === 'failed' || notice.reinit === null ? s.phase : 'loading',
      }));
      notice.reinit?.then(settleInit, (err: unknown) => {
        update(() => ({ phase: 'failed', error: toErrorInfo(err), restarting: false }));
      });
    });

    client
      .init({ pair, manifestUrl: manifestUrl(), hubUrl: hubUrlSetting(), backend, builtinHead }, onProgress)
      .then(settleInit, (err: unknown) => {
        update(() => ({ phase: 'failed', error: toErrorInfo(err) }));
      });

    return () => {
      live = false;
      if (timer !== undefined) clearTimeout(timer);
      unsubscribe();
      cancel({
        ok: false,
        error: { code: 'internal', message: 'The analysis was cancelled because the models were changed.' },
      });
      client.dispose();
      if (sessionRef.current?.client === client) sessionRef.current = null;
    };
  }, [key, pair, backend, builtinHead]);

  /** Runs a client call on the live session; settles with an error if the session is replaced meanwhile. */
  const withSession = useCallback(async <T>(fn: (client: MlClient) => Promise<Result<T>>): Promise<Result<T>> => {
    const session = sessionRef.current;
    if (session === null) return { ok: false, error: { code: 'internal', message: 'The ML engine is not running.' } };
    try {
      return await Promise.race([fn(session.client), session.disposed]);
    } catch (err) {
      return { ok: false, error: toErrorInfo(err) };
    }
  }, []);

  // One stable object for the hook's life, so consumers may destructure its methods into effect dependencies. The
  // rule below cannot see that the proxy only stores `withSession`: the session ref is read when a method is called
  // (from effects and event handlers), never while rendering.
  // eslint-disable-next-line react-hooks/refs
  const [worker] = useState(() =>
    methodProxy<UseMl['worker']>(
      (name, args) =>
        withSession((c) => (c[name as keyof MlCalls] as (...xs: unknown[]) => Promise<Result<unknown>>)(...args)),
      {},
      ['init'],
    ),
  );

  const retry = useCallback(() => {
    setAttempt((n) => n + 1);
  }, []);

  const acceptChangedFiles = useCallback(async () => {
    const forgotten = await worker.forgetPins(manifestUrl(), hubUrlSetting());
    if (forgotten.ok) retry();
    else setState((s) => ({ ...s, error: forgotten.error }));
  }, [worker, retry]);

  return { ...state, worker, retry, acceptChangedFiles };
}
