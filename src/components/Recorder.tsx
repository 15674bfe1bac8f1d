import { useEffect } from 'react';
import { formatClock, levelToMeter } from '../audio/recording-buffer';
import type { RecorderStatus } from '../hooks/useRecorder';

interface Props {
  readonly status: RecorderStatus;
  readonly level: number;
  readonly elapsedSeconds: number;
  readonly maxSeconds: number;
  /** True while recording cannot start (models loading, analysis running). Stopping is always possible. */
  readonly disabled: boolean;
  readonly onToggle: () => void;
  /** Whether Space toggles recording (off while the recorder's screen is hidden). */
  readonly keyboard?: boolean;
  /**
   * Put before the test ids (`record`, `stop`, `level`, `elapsed`) of a recorder that stays in the page beside the
   * Classify screen's (the Timeline's), so each id names one control.
   */
  readonly testIdPrefix?: string;
}

/** Elements where Space means something else (typing, pressing that control). */
function spaceBelongsTo(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return (
    target.closest('input, textarea, select, button, a[href], summary, [role="button"], [contenteditable]') !== null
  );
}

/** Record / stop button with a level meter and the elapsed time. Space toggles recording. */
export function Recorder({
  status,
  level,
  elapsedSeconds,
  maxSeconds,
  disabled,
  onToggle,
  keyboard = true,
  testIdPrefix = '',
}: Props) {
  const active = status === 'recording' || status === 'stopping';
  const canToggle = status === 'recording' || (status === 'idle' && !disabled);

  useEffect(() => {
    if (!keyboard) return;
    const onKey = (e: KeyboardEvent): void => {
      if (e.code !== 'Space' && e.key !== ' ') return;
      if (e.repeat || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      if (spaceBelongsTo(e.target)) return;
      if (!canToggle) return;
      e.preventDefault();
      onToggle();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
    };
  }, [canToggle, onToggle, keyboard]);

  const meter = levelToMeter(level);
  const label =
    status === 'starting'
      ? 'Opening microphone…'
      : status === 'stopping'
        ? 'Finishing…'
        : status === 'recording'
          ? 'Stop'
          : 'Record';

  return (
    <section className="card recorder" aria-labelledby="recorder-title">
      <h2 id="recorder-title">Record</h2>
      <p className="muted">Speak for a few seconds, then stop. Press Space to start or stop.</p>
      <div className="recorder-row">
        {/* One element for both states keeps keyboard focus on it when recording starts. */}
        <button
          type="button"
          className={`button record-button${active ? ' recording' : ''}`}
          data-testid={`${testIdPrefix}${status === 'recording' ? 'stop' : 'record'}`}
          onClick={onToggle}
          disabled={!canToggle}
          aria-pressed={active}
        >
          <span className="record-dot" aria-hidden="true" />
          {label}
        </button>
        <div className="level" aria-hidden={!active}>
          <div
            className="level-meter"
            role="meter"
            aria-label="Input level"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(meter * 100)}
            data-testid={`${testIdPrefix}level`}
          >
            <div className="level-fill" style={{ transform: `scaleX(${active ? meter : 0})` }} />
          </div>
          <span className="elapsed" data-testid={`${testIdPrefix}elapsed`} aria-live="off">
            {formatClock(active ? elapsedSeconds : 0)} / {formatClock(maxSeconds)}
          </span>
        </div>
      </div>
      <p className="sr-only" aria-live="polite">
        {status === 'recording' ? 'Recording' : status === 'starting' ? 'Opening the microphone' : ''}
      </p>
    </section>
  );
}
