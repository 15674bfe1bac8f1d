import { useCallback, useEffect, useRef, useState } from 'react';
import { SAMPLE_RATE } from '../../audio/rate';
import { encodeWav } from '../../audio/wav';
import type { UseLibrary } from '../../hooks/useLibrary';
import { formatTime, type TimelineRow } from '../../timeline/timeline-report';

interface Props {
  readonly row: TimelineRow;
  /** The recording's name, for the saved clip's name. */
  readonly source: string;
  readonly audioBetween: (start: number, end: number) => Promise<Float32Array | null>;
  readonly library: UseLibrary;
  /** Where playback is now (seconds in the recording), or null when it stops; a stable function (a state setter). */
  readonly onCursor: (seconds: number | null) => void;
}

/**
 * One segment of the timeline: its scores and transcript, playback (the chart follows with a cursor), and saving it
 * to the clip library with the predicted emotion as the label, for the person to confirm or change first. Keyed by
 * segment in the parent, so choosing another segment starts afresh.
 */
export function SegmentDetail({ row, source, audioBetween, library, onCursor }: Props) {
  const [label, setLabel] = useState(row.emotion ?? '');
  const [saved, setSaved] = useState<string | null>(null);
  const [playing, setPlaying] = useState(false);
  const player = useRef<{ audio: HTMLAudioElement; url: string; frame: number } | null>(null);
  const labels = [
    ...new Set([...(library.activeSet?.labels.map((l) => l.name) ?? []), ...(row.emotion ? [row.emotion] : [])]),
  ];

  const stop = useCallback((): void => {
    const p = player.current;
    if (p === null) return;
    p.audio.pause();
    cancelAnimationFrame(p.frame);
    URL.revokeObjectURL(p.url);
    player.current = null;
    setPlaying(false);
    onCursor(null);
  }, [onCursor]);
  // Leaving the segment (the parent keys this by segment) or the screen stops what is playing.
  useEffect(() => stop, [stop]);

  const play = async (): Promise<void> => {
    stop();
    const pcm = await audioBetween(row.start, row.end);
    if (pcm === null) return;
    const url = URL.createObjectURL(
      new Blob([encodeWav(pcm, SAMPLE_RATE) as Uint8Array<ArrayBuffer>], { type: 'audio/wav' }),
    );
    const audio = new Audio(url);
    const tick = (): void => {
      if (player.current?.audio !== audio) return;
      onCursor(row.start + audio.currentTime);
      player.current.frame = requestAnimationFrame(tick);
    };
    player.current = { audio, url, frame: requestAnimationFrame(tick) };
    setPlaying(true);
    audio.addEventListener('ended', stop);
    await audio.play().catch(stop);
  };

  const save = async (): Promise<void> => {
    const pcm = await audioBetween(row.start, row.end);
    if (pcm === null) return;
    const name = `${source.replace(/\.[^.]+$/, '')} ${formatTime(row.start)}`;
    const r = await library.addClips([
      {
        name,
        label: label === '' ? null : label,
        transcript: row.transcript,
        transcriptSource: row.transcript === null ? null : 'asr',
        speaker: null,
        split: null,
        source: 'file',
        pcm,
        original: null,
      },
    ]);
    setSaved(r.ok ? name : null);
  };

  return (
    <div className="timeline-detail" data-testid="timeline-detail">
      <strong>
        {formatTime(row.start)}–{formatTime(row.end)}: {row.emotion ?? 'not scored'}
      </strong>
      {row.transcript !== null ? <blockquote className="transcript">{row.transcript}</blockquote> : null}
      <p className="small">
        {Object.entries(row.scores)
          .sort((a, b) => b[1] - a[1])
          .map(([l, p]) => `${l} ${(100 * p).toFixed(0)} %`)
          .join(' · ')}
      </p>
      <div className="row">
        <button
          type="button"
          className="button subtle"
          data-testid="segment-play"
          onClick={() => {
            if (playing) stop();
            else void play();
          }}
        >
          {playing ? 'Stop' : 'Play'}
        </button>
        <label className="small">
          Label{' '}
          <select
            value={label}
            data-testid="segment-label"
            onChange={(e) => {
              setLabel(e.currentTarget.value);
            }}
          >
            <option value="">(no label)</option>
            {labels.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button subtle" data-testid="segment-save" onClick={() => void save()}>
          Save to the library
        </button>
      </div>
      {saved !== null ? (
        <p className="small" data-testid="segment-saved" role="status">
          Saved as “{saved}” in the library{label === '' ? ', unlabelled' : `, labelled ${label}`}.
        </p>
      ) : null}
    </div>
  );
}
