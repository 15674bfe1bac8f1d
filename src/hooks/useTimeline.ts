/**
 * The emotion timeline of a long file: reads it a block at a time, hands each block to the worker (which finds the
 * speech and analyses each segment as it closes), and shows segments as they come, with progress, time left and a
 * cancel that stops at the next block.
 */
import { useCallback, useRef, useState } from 'react';
import type { ClipWarning } from '../audio/clip-warnings';
import { toErrorInfo, type ErrorInfo } from '../core/errors';
import { openFileAudio, type FileAudio } from '../page/long-file';
import type { TimelineSegment } from '../timeline/timeline';
import type { UseMl } from './useMl';

export type TimelinePhase = 'idle' | 'reading' | 'done' | 'cancelled' | 'failed';

export interface TimelineView {
  readonly phase: TimelinePhase;
  /** The file's name. */
  readonly source: string | null;
  /** Seconds the file holds (known once it is opened). */
  readonly duration: number | null;
  /** Seconds read and handed on so far. */
  readonly read: number;
  /** Seconds left, estimated from the pace so far; null until there is a pace. */
  readonly secondsLeft: number | null;
  readonly segments: readonly TimelineSegment[];
  /** What the result should be read with (a file cut short, clipping). */
  readonly warnings: readonly ClipWarning[];
  readonly error: ErrorInfo | null;
}

export interface UseTimeline extends TimelineView {
  readonly analyseFile: (file: File) => void;
  readonly cancel: () => void;
  /** The 16 kHz samples of the file between two times (null when no file is open). */
  readonly audioBetween: (start: number, end: number) => Promise<Float32Array | null>;
}

/** A timeline before anything was read: what every new run starts from (the live timeline's too). */
export const IDLE_TIMELINE: TimelineView = {
  phase: 'idle',
  source: null,
  duration: null,
  read: 0,
  secondsLeft: null,
  segments: [],
  warnings: [],
  error: null,
};

export function useTimeline(ml: UseMl): UseTimeline {
  const [view, setView] = useState<TimelineView>(IDLE_TIMELINE);
  /** The run in progress; a new run or a cancel replaces it, and the old loop stops at its next block. */
  const runRef = useRef(0);
  const audioRef = useRef<FileAudio | null>(null);
  const { timelineStart, timelinePush, timelineFinish, timelineCancel } = ml.worker;

  const analyseFile = useCallback(
    (file: File) => {
      const run = ++runRef.current;
      const live = (): boolean => runRef.current === run;
      const started = performance.now();
      setView({ ...IDLE_TIMELINE, phase: 'reading', source: file.name });
      const fail = (error: ErrorInfo): void => {
        if (live()) setView((v) => ({ ...v, phase: 'failed', error }));
      };
      void (async () => {
        try {
          const audio = await openFileAudio(file, (read) => {
            if (!live()) return;
            const elapsed = (performance.now() - started) / 1000;
            setView((v) => ({
              ...v,
              read,
              secondsLeft: read > 0 && v.duration !== null ? (elapsed / read) * (v.duration - read) : null,
            }));
          });
          if (live()) audioRef.current = audio;
          setView((v) => (live() ? { ...v, duration: audio.duration, warnings: audio.warnings } : v));
          const begun = await timelineStart();
          if (!begun.ok) {
            fail(begun.error);
            return;
          }
          for await (const block of audio.blocks) {
            if (!live()) {
              await timelineCancel();
              return;
            }
            const r = await timelinePush(block);
            if (!r.ok) {
              fail(r.error);
              return;
            }
            if (r.value.length > 0) setView((v) => ({ ...v, segments: [...v.segments, ...r.value] }));
          }
          const last = await timelineFinish();
          if (!last.ok) {
            fail(last.error);
            return;
          }
          if (live())
            setView((v) => ({
              ...v,
              phase: 'done',
              read: last.value.duration,
              duration: last.value.duration,
              secondsLeft: 0,
              segments: [...v.segments, ...last.value.segments],
            }));
        } catch (err) {
          fail(toErrorInfo(err));
        }
      })();
    },
    [timelineStart, timelinePush, timelineFinish, timelineCancel],
  );

  const cancel = useCallback(() => {
    runRef.current++;
    setView((v) => (v.phase === 'reading' ? { ...v, phase: 'cancelled', secondsLeft: null } : v));
  }, []);

  const audioBetween = useCallback(
    async (start: number, end: number) => (audioRef.current === null ? null : audioRef.current.segment(start, end)),
    [],
  );

  return { ...view, analyseFile, cancel, audioBetween };
}
