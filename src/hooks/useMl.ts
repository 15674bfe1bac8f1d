/**
 * Owns the ML client for the page: starts the worker, loads the chosen model pair with byte-level progress,
 * follows crash restarts (the client re-runs `init` itself; this hook shows its progress again) and analyses
 * clips, and passes emotion-head calls through (useHead.ts keeps the head's state). Changing the pair or backend, or
 * calling `retry`, disposes the client and starts a fresh one.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { toErrorInfo, type ErrorInfo, type Result } from '../core/errors';
import { createMlClient } from '../worker-api/client';
import type { CrashNotice, MlClient } from '../worker-api/client-types';
import type { AnalysisSummary, BackendInfo, HeadFiles, HeadInfo, HeadStatus, LoadProgress, ScoredEmotion, UtteranceStatsRow, VoiceRecordings } from '../worker-api/protocol';
import type { SplitName } from '../data/library/types';
import type { Evaluation, TrainEvent, TrainOutcome, TrainRequest } from '../worker-api/training-protocol';
import { EMPTY_SNAPSHOT, LoadTracker, type LoadSnapshot } from './load-progress';
import { hubUrlSetting, manifestUrl } from './manifest-url';
import type { BackendChoice } from './url-options';

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
  /** Analyses a 16 kHz mono clip. Never rejects: failures come back as a `Result` with an error code. */
  readonly analyse: (pcm16k: Float32Array) => Promise<Result<AnalysisSummary>>;
  /** Loads a trained emotion head into the worker (the previous one stays if it is refused). */
  readonly loadHead: (files: HeadFiles) => Promise<Result<HeadInfo>>;
  /** Removes the active emotion head. */
  readonly unloadHead: () => Promise<Result<null>>;
  /** Scores the last analysed clip with the active head, else the embedded one (null: no clip in this worker, or no head). */
  readonly classifyLast: () => Promise<Result<ScoredEmotion | null>>;
  /** The worker's active head, its embedded stand-in and the notices of its last init. */
  readonly headStatus: () => Promise<Result<HeadStatus>>;
  /** Sets (null: forgets) the statistics of the person's recordings that scores are adapted with. */
  readonly setVoice: (recordings: VoiceRecordings | null) => Promise<Result<number>>;
  /** The last analysed clip's raw utterance statistics (null when no encoder computes them). */
  readonly lastUtteranceStats: () => Promise<Result<UtteranceStatsRow | null>>;
  /** Fine-tunes a head on the library's clips with the loaded pair; events report progress. */
  readonly train: (request: TrainRequest, onEvent: (e: TrainEvent) => void) => Promise<Result<TrainOutcome>>;
  readonly pauseTraining: () => Promise<Result<null>>;
  readonly resumeTraining: () => Promise<Result<null>>;
  readonly cancelTraining: () => Promise<Result<null>>;
  /** Evaluates a stored head on one split of the library. */
  readonly evaluateHead: (headId: string, split: SplitName) => Promise<Result<Evaluation>>;
  /** Starts over with a fresh worker (after an init failure). */
  readonly retry: () => void;
  /** Crashes the worker on purpose, now or during the next analysis (diagnostics and tests). */
  readonly debugCrash: (when?: 'now' | 'during-next-analysis') => void;
}

/** How often byte progress is pushed to React; downloads report far more often than anyone can read. */
const PROGRESS_INTERVAL_MS = 100;

function initialState(key: string): MlState {
  return { key, phase: 'loading', progress: EMPTY_SNAPSHOT, backend: null, error: null, crash: null, restarting: false };
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
      else if (res.error.code !== 'worker-crashed') update(() => ({ phase: 'failed', error: res.error, restarting: false }));
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

    client.init({ pair, manifestUrl: manifestUrl(), hubUrl: hubUrlSetting(), backend, builtinHead }, onProgress).then(settleInit, (err: unknown) => {
      update(() => ({ phase: 'failed', error: toErrorInfo(err) }));
    });

    return () => {
      live = false;
      if (timer !== undefined) clearTimeout(timer);
      unsubscribe();
      cancel({ ok: false, error: { code: 'internal', message: 'The analysis was cancelled because the models were changed.' } });
      client.dispose();
      if (sessionRef.current?.client === client) sessionRef.current = null;
    };
  }, [key, pair, backend, builtinHead]);

  /** Runs a client call on the live session; settles with an error if the session is replaced meanwhile. */
  const withSession = useCallback(async <T,>(fn: (client: MlClient) => Promise<Result<T>>): Promise<Result<T>> => {
    const session = sessionRef.current;
    if (session === null) return { ok: false, error: { code: 'internal', message: 'The ML engine is not running.' } };
    try {
      return await Promise.race([fn(session.client), session.disposed]);
    } catch (err) {
      return { ok: false, error: toErrorInfo(err) };
    }
  }, []);

  const analyse = useCallback((pcm16k: Float32Array) => withSession((c) => c.analyse(pcm16k)), [withSession]);
  const loadHead = useCallback((files: HeadFiles) => withSession((c) => c.loadHead(files)), [withSession]);
  const unloadHead = useCallback(() => withSession((c) => c.unloadHead()), [withSession]);
  const classifyLast = useCallback(() => withSession((c) => c.classifyLast()), [withSession]);
  const headStatus = useCallback(() => withSession((c) => c.headStatus()), [withSession]);
  const setVoice = useCallback((recordings: VoiceRecordings | null) => withSession((c) => c.setVoice(recordings)), [withSession]);
  const lastUtteranceStats = useCallback(() => withSession((c) => c.lastUtteranceStats()), [withSession]);

  const train = useCallback((request: TrainRequest, onEvent: (e: TrainEvent) => void) => withSession((c) => c.train(request, onEvent)), [withSession]);
  const pauseTraining = useCallback(() => withSession((c) => c.pauseTraining()), [withSession]);
  const resumeTraining = useCallback(() => withSession((c) => c.resumeTraining()), [withSession]);
  const cancelTraining = useCallback(() => withSession((c) => c.cancelTraining()), [withSession]);
  const evaluateHead = useCallback((headId: string, split: SplitName) => withSession((c) => c.evaluateHead(headId, split)), [withSession]);

  const retry = useCallback(() => {
    setAttempt((n) => n + 1);
  }, []);

  const debugCrash = useCallback((when: 'now' | 'during-next-analysis' = 'now') => {
    void sessionRef.current?.client.debugCrash(when).catch(() => undefined);
  }, []);

  return { ...state, analyse, loadHead, unloadHead, classifyLast, headStatus, setVoice, lastUtteranceStats, train, pauseTraining, resumeTraining, cancelTraining, evaluateHead, retry, debugCrash };
}
