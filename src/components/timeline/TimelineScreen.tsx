import { useId, useState } from 'react';
import { FILE_ACCEPT } from '../../audio/decode-file';
import type { UseLibrary } from '../../hooks/useLibrary';
import { MAX_RECORDING_SECONDS, useLiveTimeline } from '../../hooks/useLiveTimeline';
import type { UseMl } from '../../hooks/useMl';
import { useTimeline } from '../../hooks/useTimeline';
import { formatTime } from '../../timeline/timeline-report';
import { ClipWarnings } from '../ClipWarnings';
import { ErrorBanner } from '../ErrorBanner';
import { Notice } from '../Notice';
import { Recorder } from '../Recorder';
import { TimelineResult } from './TimelineResult';

interface Props {
  readonly ml: UseMl;
  readonly library: UseLibrary;
}

/**
 * Long recordings: record one (up to 30 minutes, kept in this browser as it is recorded, analysed while it goes on)
 * or choose a file (WAV is read in parts, hours are fine); the speech is found and analysed segment by segment and
 * shown as it comes (TimelineResult). A recording a reload interrupted is offered for analysis.
 */
export function TimelineScreen({ ml, library }: Props) {
  const file = useTimeline(ml);
  const live = useLiveTimeline(ml);
  const [kind, setKind] = useState<'file' | 'live'>('file');
  const t = kind === 'file' ? file : live;
  const inputId = useId();
  const ready = ml.phase === 'ready';
  const busy = file.phase === 'reading' || live.phase === 'reading';
  const recording = kind === 'live' && live.phase === 'reading' && live.source === 'Recording';

  return (
    <div className="timeline" data-testid="timeline-screen">
      <section className="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Long recording</h2>
        <p className="muted small">
          Meetings, calls, interviews: record one (up to 30 minutes; it is kept in this browser as it is recorded and
          analysed while it goes on) or choose a file (WAV files are read in parts, so hours are fine). The speech is
          found and each stretch gets its emotion (and its transcript where the models have a recogniser). Nothing
          leaves this page.
        </p>
        <div className="row">
          <input
            id={inputId}
            className="visually-hidden-input"
            type="file"
            accept={FILE_ACCEPT}
            data-testid="timeline-file"
            disabled={!ready || busy}
            onChange={(e) => {
              const chosen = e.currentTarget.files?.item(0);
              e.currentTarget.value = '';
              if (!chosen) return;
              setKind('file');
              file.analyseFile(chosen);
            }}
          />
          <label htmlFor={inputId} className={`button${!ready || busy ? ' disabled' : ''}`}>
            Choose a recording…
          </label>
          {kind === 'file' && file.phase === 'reading' ? (
            <button type="button" className="button subtle" data-testid="timeline-cancel" onClick={file.cancel}>
              Cancel
            </button>
          ) : null}
        </div>
        <div data-testid="timeline-recorder">
          <Recorder
            status={recording ? 'recording' : 'idle'}
            level={live.level}
            elapsedSeconds={recording ? live.read : 0}
            maxSeconds={MAX_RECORDING_SECONDS}
            disabled={!ready || (busy && !recording)}
            onToggle={() => {
              if (recording) live.stop();
              else {
                setKind('live');
                live.start();
              }
            }}
            keyboard={false}
            testIdPrefix="timeline-"
          />
        </div>
        {live.interrupted.map((r) => (
          <Notice key={r.id} tone="warning" testId="interrupted-recording">
            A recording of {formatTime(r.samples / 16_000)} from {new Date(r.startedAt).toLocaleString()} was
            interrupted (the page was closed or reloaded). What was captured is kept.{' '}
            <button
              type="button"
              className="button subtle"
              data-testid="analyse-interrupted"
              disabled={!ready || busy}
              onClick={() => {
                setKind('live');
                live.analyseStored(r.id);
              }}
            >
              Analyse it
            </button>{' '}
            <button
              type="button"
              className="button subtle"
              data-testid="discard-interrupted"
              onClick={() => {
                live.discardStored(r.id);
              }}
            >
              Discard it
            </button>
          </Notice>
        ))}
        {t.phase === 'reading' && !recording ? (
          <p role="status" data-testid="timeline-progress">
            Reading {t.source}: {formatTime(t.read)} of {t.duration === null ? '…' : formatTime(t.duration)}
            {t.secondsLeft === null ? '' : `, about ${formatTime(t.secondsLeft)} left`}{' '}
            <progress max={t.duration ?? 1} value={t.read} />
          </p>
        ) : null}
        {kind === 'live' && live.stopToResultMs !== null ? (
          <p className="muted small" data-testid="stop-to-result" data-ms={live.stopToResultMs}>
            The whole timeline was ready {live.stopToResultMs} ms after you stopped.
          </p>
        ) : null}
        <ClipWarnings warnings={t.warnings} />
        {t.phase === 'cancelled' ? (
          <p className="muted small" data-testid="timeline-cancelled">
            Cancelled after {formatTime(t.read)}: the segments found until then are kept below.
          </p>
        ) : null}
        {t.error !== null ? (
          <ErrorBanner error={t.error} title="The recording could not be analysed" testId="timeline-error" />
        ) : null}
      </section>

      {t.segments.length > 0 || t.phase === 'done' ? (
        // Keyed by what is shown: a new file or recording starts with nothing chosen, filtered or zoomed.
        <TimelineResult key={`${kind}:${t.source ?? ''}`} t={t} library={library} />
      ) : null}
    </div>
  );
}
