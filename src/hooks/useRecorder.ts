/**
 * Microphone recording state for the UI: idle -> starting (asking for the mic) -> recording -> stopping -> idle.
 * Finished clips (16 kHz mono) and failures go to the callbacks; level and elapsed time are state for the meter.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { toErrorInfo, type ErrorInfo } from '../core/errors';
import { startCapture, type AutoStopReason, type Capture } from '../audio/capture';

export type RecorderStatus = 'idle' | 'starting' | 'recording' | 'stopping';

export interface RecorderHandlers {
  /** A recording ended; `autoStop` says why when the user did not stop it. */
  readonly onClip: (pcm16k: Float32Array, autoStop: AutoStopReason | null) => void;
  readonly onError: (error: ErrorInfo) => void;
}

export interface UseRecorder {
  readonly status: RecorderStatus;
  /** Smoothed RMS level of the input, 0..1 of full scale. */
  readonly level: number;
  readonly elapsedSeconds: number;
  readonly start: () => void;
  readonly stop: () => void;
  /** Starts when idle, stops when recording; ignored while starting or stopping. */
  readonly toggle: () => void;
}

export function useRecorder(handlers: RecorderHandlers): UseRecorder {
  const [status, setStatus] = useState<RecorderStatus>('idle');
  const [level, setLevel] = useState(0);
  const [elapsedSeconds, setElapsed] = useState(0);
  // The status as of now (state lags a render behind), so double clicks and key repeats cannot start twice.
  const statusRef = useRef<RecorderStatus>('idle');
  const captureRef = useRef<Capture | null>(null);
  const handlersRef = useRef(handlers);
  const mountedRef = useRef(true);

  useEffect(() => {
    handlersRef.current = handlers;
  });

  useEffect(() => {
    mountedRef.current = true;
    return () => {
      mountedRef.current = false;
      captureRef.current?.cancel();
      captureRef.current = null;
      statusRef.current = 'idle';
    };
  }, []);

  const go = useCallback((next: RecorderStatus) => {
    statusRef.current = next;
    if (mountedRef.current) setStatus(next);
  }, []);

  const finish = useCallback(
    (pcm: Float32Array, autoStop: AutoStopReason | null) => {
      captureRef.current = null;
      go('idle');
      if (!mountedRef.current) return;
      setLevel(0);
      handlersRef.current.onClip(pcm, autoStop);
    },
    [go],
  );

  const start = useCallback(() => {
    if (statusRef.current !== 'idle') return;
    go('starting');
    setLevel(0);
    setElapsed(0);
    startCapture({
      onLevel: (l, seconds) => {
        if (!mountedRef.current) return;
        setLevel(l);
        setElapsed(seconds);
      },
      onAutoStop: (pcm, reason) => {
        finish(pcm, reason);
      },
    }).then(
      (capture) => {
        // Unmounted (or auto-stopped already) while the microphone was being opened.
        if (!mountedRef.current) {
          capture.cancel();
          return;
        }
        if (statusRef.current !== 'starting') return;
        captureRef.current = capture;
        go('recording');
      },
      (err: unknown) => {
        go('idle');
        if (mountedRef.current) handlersRef.current.onError(toErrorInfo(err));
      },
    );
  }, [finish, go]);

  const stop = useCallback(() => {
    const capture = captureRef.current;
    if (statusRef.current !== 'recording' || capture === null) return;
    go('stopping');
    capture.stop().then(
      (pcm) => {
        finish(pcm, null);
      },
      (err: unknown) => {
        captureRef.current = null;
        go('idle');
        if (mountedRef.current) handlersRef.current.onError(toErrorInfo(err));
      },
    );
  }, [finish, go]);

  const toggle = useCallback(() => {
    if (statusRef.current === 'idle') start();
    else if (statusRef.current === 'recording') stop();
  }, [start, stop]);

  return { status, level, elapsedSeconds, start, stop, toggle };
}
