import { useCallback, useMemo, useState } from 'react';
import { BUILTIN_LABEL_SET, LABEL_PALETTE } from '../../data/library/label-sets';
import type { UseLibrary } from '../../hooks/useLibrary';
import type { TimelineView } from '../../hooks/useTimeline';
import { downloadBlob } from '../../page/save-file';
import { formatTime, reportLabels, summarise, timelineCsv, timelineReport } from '../../timeline/timeline-report';
import { SegmentDetail } from './SegmentDetail';
import { TimelineChart } from './TimelineChart';

interface Props {
  /** The timeline shown (a file's or a recording's). */
  readonly t: TimelineView & { readonly audioBetween: (start: number, end: number) => Promise<Float32Array | null> };
  readonly library: UseLibrary;
}

/**
 * A distinct colour per label: the built-in set's colour where the label has one, else the next palette colour
 * no other label uses (the palette is colour-blind safe).
 */
function labelColours(labels: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const l of labels) {
    const known = BUILTIN_LABEL_SET.labels.find((b) => b.name === l)?.colour;
    if (known !== undefined) map.set(l, known);
  }
  const free = LABEL_PALETTE.filter((c) => ![...map.values()].includes(c));
  for (const l of labels) if (!map.has(l)) map.set(l, free.shift() ?? '#888');
  return map;
}

const percent = (x: number): string => `${(100 * x).toFixed(0)} %`;

/**
 * A timeline as it stands (growing while it is read or recorded): the chart of emotion over time with its legend
 * (a filter) and zoom, the summary, the chosen segment (play, keep in the library), exports and the segment list.
 */
export function TimelineResult({ t, library }: Props) {
  const [selected, setSelected] = useState<number | null>(null);
  const [cursor, setCursor] = useState<number | null>(null);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [zoom, setZoom] = useState(1);
  const report = useMemo(
    () => timelineReport(t.source ?? 'recording', t.duration ?? t.read, t.segments),
    [t.source, t.duration, t.read, t.segments],
  );
  const summary = useMemo(() => summarise(report), [report]);
  const colours = useMemo(() => labelColours(reportLabels(report)), [report]);
  const colourOf = useCallback((emotion: string | null): string => colours.get(emotion ?? '') ?? '#bbb', [colours]);
  const base = (t.source ?? 'recording').replace(/\.[^.]+$/, '');
  const shown = selected === null ? null : report.segments[selected];

  return (
    <section className="card" aria-labelledby="timeline-result" data-testid="timeline-result" data-phase={t.phase}>
      <h2 id="timeline-result">
        {t.source} <span className="muted small">{formatTime(report.duration)}</span>
      </h2>
      <div className="timeline-scroll">
        <TimelineChart
          segments={report.segments}
          duration={report.duration}
          colourOf={colourOf}
          selected={selected}
          onSelect={setSelected}
          hidden={hidden}
          cursor={cursor}
          zoom={zoom}
        />
      </div>
      <div className="row small timeline-legend" data-testid="timeline-filter">
        {[...colours].map(([label, colour]) => (
          <label key={label}>
            <input
              type="checkbox"
              checked={!hidden.has(label)}
              data-label={label}
              onChange={() => {
                const next = new Set(hidden);
                if (next.has(label)) next.delete(label);
                else next.add(label);
                setHidden(next);
              }}
            />{' '}
            <span style={{ color: colour }}>■</span> {label}
          </label>
        ))}
        <label>
          Zoom{' '}
          <select
            value={zoom}
            data-testid="timeline-zoom"
            onChange={(e) => {
              setZoom(Number(e.currentTarget.value));
            }}
          >
            {[1, 2, 4, 8, 16].map((z) => (
              <option key={z} value={z}>
                {z}×
              </option>
            ))}
          </select>
        </label>
      </div>
      <p data-testid="timeline-summary">
        {report.segments.length} stretch(es) of speech, {formatTime(summary.speech)} in all
        {summary.shares.length > 0 ? ': ' : '.'}
        {summary.shares.map((s) => `${s.emotion} ${percent(s.share)}`).join(', ')}
      </p>
      {shown !== null && shown !== undefined && selected !== null ? (
        <SegmentDetail
          key={selected}
          row={shown}
          source={t.source ?? 'recording'}
          audioBetween={t.audioBetween}
          library={library}
          onCursor={setCursor}
        />
      ) : null}
      {summary.intense.length > 0 ? (
        <p className="small" data-testid="timeline-intense">
          Most intense:{' '}
          {summary.intense
            .map((s) => `${s.emotion ?? ''} ${percent(s.scores[s.emotion ?? ''] ?? 0)} at ${formatTime(s.start)}`)
            .join('; ')}
        </p>
      ) : null}
      <div className="row">
        <button
          type="button"
          className="button subtle"
          data-testid="timeline-csv"
          onClick={() => {
            downloadBlob(new Blob([timelineCsv(report)], { type: 'text/csv' }), `${base}-timeline.csv`);
          }}
        >
          Export CSV
        </button>
        <button
          type="button"
          className="button subtle"
          data-testid="timeline-json"
          onClick={() => {
            downloadBlob(
              new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' }),
              `${base}-timeline.json`,
            );
          }}
        >
          Export JSON
        </button>
        <button
          type="button"
          className="button subtle"
          data-testid="timeline-png"
          onClick={() => {
            const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="timeline-chart"]');
            canvas?.toBlob((blob) => {
              if (blob !== null) downloadBlob(blob, `${base}-timeline.png`);
            });
          }}
        >
          Export chart (PNG)
        </button>
      </div>
      <ol className="timeline-list small" data-testid="timeline-segments">
        {report.segments.map((s, i) =>
          hidden.has(s.emotion ?? '') ? null : (
            <li
              key={`${String(s.start)}-${String(s.end)}`}
              data-start={s.start}
              data-end={s.end}
              data-emotion={s.emotion ?? ''}
            >
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  setSelected(i);
                }}
              >
                {formatTime(s.start)}–{formatTime(s.end)}
              </button>{' '}
              <span style={{ color: colourOf(s.emotion) }}>●</span> {s.emotion ?? 'not scored'}
              {s.emotion === null ? '' : ` ${percent(s.scores[s.emotion] ?? 0)}`}
              {s.transcript === null ? '' : ` · ${s.transcript}`}
            </li>
          ),
        )}
      </ol>
    </section>
  );
}
