/**
 * A long recording's timeline, built while it is recorded: the microphone's 16 kHz samples go, half a second at a
 * time, into the recording store (IndexedDB, so a reload keeps them) and to the worker, which analyses each segment
 * as soon as a pause closes it. After stop only the last segment is left to analyse. A recording a reload cut short
 * is offered for analysis from what was stored.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { startCapture, type Capture } from '../audio/capture';
import { SAMPLE_RATE } from '../audio/rate';
import { AppError, toErrorInfo, type ErrorInfo, type Result } from '../core/errors';
import { RecordingStore, type RecordingInfo } from '../data/recordings/recording-store';
import type { TimelineSegment } from '../timeline/timeline';
import { IDLE_TIMELINE, type TimelineView } from './useTimeline';
import type { UseMl } from './useMl';

/** Longest recording: half an hour (the goal); it stops by itself there. */
export const MAX_RECORDING_SECONDS = 30 * 60;
/** Samples handed on at a time: half a second keeps the worker's queue short and IndexedDB writes few. */
const BLOCK = SAMPLE_RATE / 2;

export interface LiveTimelineView extends TimelineView {
  /** Input level (0-1) while recording. */
  readonly level: number;
  /** Milliseconds from stop to the whole timeline shown; null until a recording stopped. */
  readonly stopToResultMs: number | null;
  /** Recordings a reload (or crash) interrupted, with what they hold. */
  readonly interrupted: readonly RecordingInfo[];
}

export interface UseLiveTimeline extends LiveTimelineView {
  readonly start: () => void;
  readonly stop: () => void;
  /** Analyses an interrupted recording from its stored chunks. */
  readonly analyseStored: (id: string) => void;
  readonly discardStored: (id: string) => void;
  readonly audioBetween: (start: number, end: number) => Promise<Float32Array | null>;
}

const IDLE: LiveTimelineView = { ...IDLE_TIMELINE, level: 0, stopToResultMs: null, interrupted: [] };

/** A worker result's value, or its error thrown as an AppError (the code kept). */
function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new AppError(r.error.code, r.error.message);
  return r.value;
}

const CRASHED: ErrorInfo = {
  code: 'worker-crashed',
  message: 'The ML engine stopped unexpectedly. What was recorded until then is kept: analyse it below.',
};

function joined(parts: readonly Float32Array[], length: number): Float32Array {
  const out = new Float32Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The recording being made: its stored id, its capture, and the flush of its last samples. */
interface Recording {
  readonly id: string;
  capture: Capture | null;
  readonly flush: () => Promise<void>;
}

export function useLiveTimeline(ml: UseMl): UseLiveTimeline {
  const [view, setView] = useState<LiveTimelineView>(IDLE);
  const storeRef = useRef<Promise<RecordingStore> | null>(null);
  const recording = useRef<Recording | null>(null);
  /** The recording whose audio `audioBetween` reads. */
  const shownId = useRef<string | null>(null);
  const { timelineStart, timelinePush, timelineFinish } = ml.worker;

  const store = useCallback((): Promise<RecordingStore> => (storeRef.current ??= RecordingStore.open()), []);
  const fail = useCallback((error: ErrorInfo) => {
    // A call that failed after the engine crashed says only that: the crash is the cause.
    setView((v) => ({ ...v, phase: 'failed', error: v.error?.code === 'worker-crashed' ? v.error : error, level: 0 }));
  }, []);
  const addSegments = useCallback((segments: readonly TimelineSegment[]) => {
    if (segments.length > 0) setView((v) => ({ ...v, segments: [...v.segments, ...segments] }));
  }, []);

  const refreshInterrupted = useCallback(async () => {
    const all = await (await store()).list();
    const interrupted = all.filter((r) => r.state === 'recording' && r.id !== recording.current?.id && r.samples > 0);
    setView((v) => ({ ...v, interrupted }));
  }, [store]);

  useEffect(() => {
    void refreshInterrupted().catch(() => undefined);
  }, [refreshInterrupted]);

  /** Ends a recording: the capture's last samples, the last segment, the whole timeline, timed from stop. */
  const finish = useCallback(
    async (rec: Recording, stopped: number): Promise<void> => {
      try {
        await rec.capture?.stop();
        await rec.flush();
        const last = unwrap(await timelineFinish());
        await (await store()).stop(rec.id);
        setView((v) => ({
          ...v,
          phase: 'done',
          level: 0,
          read: last.duration,
          duration: last.duration,
          segments: [...v.segments, ...last.segments],
          stopToResultMs: Math.round(performance.now() - stopped),
        }));
      } catch (err) {
        fail(toErrorInfo(err));
      }
    },
    [timelineFinish, store, fail],
  );

  const start = useCallback(() => {
    void (async () => {
      try {
        const s = await store();
        unwrap(await timelineStart());
        const info = await s.create();
        shownId.current = info.id;
        setView((v) => ({ ...IDLE, interrupted: v.interrupted, phase: 'reading', source: 'Recording', duration: 0 }));
        let pending: Float32Array[] = [];
        let pendingLength = 0;
        let seq = 0;
        let chain: Promise<void> = Promise.resolve();
        // Blocks go in order: stored first (IndexedDB copies them), then given to the worker.
        const flush = (): Promise<void> => {
          if (pendingLength > 0) {
            const block = joined(pending, pendingLength);
            const n = seq++;
            pending = [];
            pendingLength = 0;
            chain = chain.then(async () => {
              await s.append(info.id, n, block);
              addSegments(unwrap(await timelinePush(block)));
            });
          }
          return chain;
        };
        recording.current = { id: info.id, capture: null, flush };
        recording.current.capture = await startCapture({
          maxSeconds: MAX_RECORDING_SECONDS,
          onSamples: (pcm) => {
            pending.push(pcm.slice());
            pendingLength += pcm.length;
            if (pendingLength >= BLOCK)
              flush().catch((err: unknown) => {
                // The engine crashed or the disk is full: recording stops, what was stored is offered for analysis.
                if (recording.current?.id === info.id) {
                  recording.current.capture?.cancel();
                  recording.current = null;
                }
                fail(toErrorInfo(err));
                void refreshInterrupted().catch(() => undefined);
              });
          },
          onLevel: (level, elapsed) => {
            setView((v) => ({ ...v, level, read: elapsed, duration: elapsed }));
          },
          onAutoStop: () => {
            const rec = recording.current;
            if (rec?.id !== info.id) return;
            recording.current = null;
            void finish(rec, performance.now());
          },
        });
      } catch (err) {
        recording.current = null;
        fail(toErrorInfo(err));
      }
    })();
  }, [store, timelineStart, timelinePush, addSegments, fail, finish, refreshInterrupted]);

  const stop = useCallback(() => {
    const rec = recording.current;
    recording.current = null;
    if (rec !== null) void finish(rec, performance.now());
  }, [finish]);

  // The engine crashed: the worker's timeline is gone with it. A recording stops at once (what was stored is kept
  // and offered for analysis); a stored recording being analysed fails and stays offered. Said after this render.
  const restarts = ml.crash?.restarts ?? 0;
  useEffect(() => {
    if (restarts === 0) return;
    const rec = recording.current;
    recording.current = null;
    rec?.capture?.cancel();
    void Promise.resolve().then(async () => {
      setView((v) => (v.phase === 'reading' ? { ...v, phase: 'failed', level: 0, error: CRASHED } : v));
      await refreshInterrupted();
    });
  }, [restarts, refreshInterrupted]);

  const analyseStored = useCallback(
    (id: string) => {
      void (async () => {
        try {
          const s = await store();
          const info = (await s.list()).find((r) => r.id === id);
          if (info === undefined) return;
          shownId.current = id;
          const seconds = info.samples / SAMPLE_RATE;
          setView((v) => ({
            ...IDLE,
            interrupted: v.interrupted,
            phase: 'reading',
            source: 'Interrupted recording',
            duration: seconds,
          }));
          unwrap(await timelineStart());
          let read = 0;
          for await (const chunk of s.chunks(id)) {
            read += chunk.length / SAMPLE_RATE;
            addSegments(unwrap(await timelinePush(chunk)));
            setView((v) => ({ ...v, read }));
          }
          const last = unwrap(await timelineFinish());
          await s.stop(id);
          setView((v) => ({ ...v, phase: 'done', read: seconds, segments: [...v.segments, ...last.segments] }));
          await refreshInterrupted();
        } catch (err) {
          fail(toErrorInfo(err));
        }
      })();
    },
    [store, timelineStart, timelinePush, timelineFinish, addSegments, fail, refreshInterrupted],
  );

  const discardStored = useCallback(
    (id: string) => {
      void (async () => {
        await (await store()).delete(id);
        await refreshInterrupted();
      })();
    },
    [store, refreshInterrupted],
  );

  const audioBetween = useCallback(
    async (start: number, end: number): Promise<Float32Array | null> => {
      const id = shownId.current;
      if (id === null) return null;
      return (await store()).range(id, Math.floor(start * SAMPLE_RATE), Math.ceil(end * SAMPLE_RATE));
    },
    [store],
  );

  return { ...view, start, stop, analyseStored, discardStored, audioBetween };
}
