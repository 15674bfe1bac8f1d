import { useEffect, useRef } from 'react';
import { formatClock } from '../../audio/recording-buffer';
import type { TimelineRow } from '../../timeline/timeline-report';

interface Props {
  readonly segments: readonly TimelineRow[];
  /** Seconds the chart spans (the file's length, or what was read so far). */
  readonly duration: number;
  readonly colourOf: (emotion: string | null) => string;
  /** The segment shown in detail; drawn outlined. */
  readonly selected: number | null;
  readonly onSelect: (index: number) => void;
  /** Emotions filtered out: their segments are not drawn. */
  readonly hidden: ReadonlySet<string>;
  /** Where playback is (seconds), drawn as a line; null when nothing plays. */
  readonly cursor: number | null;
  /** How many times the window's width the chart spans (its box scrolls sideways). */
  readonly zoom: number;
}

const HEIGHT = 96;
const AXIS = 18;

/**
 * The whole recording on one line: time across, each segment a band in its winning emotion's colour, as tall as the
 * emotion is confident; silence stays blank. Drawn on a canvas (hours of segments stay cheap), and clicking a band
 * selects it. The segment list below the chart carries the same facts for screen readers.
 */
export function TimelineChart({ segments, duration, colourOf, selected, onSelect, hidden, cursor, zoom }: Props) {
  const canvasRef = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext('2d');
    if (canvas === null || ctx === null || ctx === undefined) return;
    const width = canvas.clientWidth;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(HEIGHT * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    const span = Math.max(duration, 1e-3);
    const x = (t: number): number => (t / span) * width;
    const plot = HEIGHT - AXIS;
    segments.forEach((s, i) => {
      if (hidden.has(s.emotion ?? '')) return;
      const confidence = s.emotion === null ? 0.15 : (s.scores[s.emotion] ?? 0);
      const h = Math.max(4, confidence * plot);
      ctx.fillStyle = colourOf(s.emotion);
      ctx.fillRect(x(s.start), plot - h, Math.max(1, x(s.end) - x(s.start)), h);
      if (i === selected) {
        ctx.strokeStyle = '#111';
        ctx.lineWidth = 2;
        ctx.strokeRect(x(s.start), 1, Math.max(2, x(s.end) - x(s.start)), plot - 2);
      }
    });
    ctx.fillStyle = '#777';
    ctx.font = '11px system-ui, sans-serif';
    const step = [5, 10, 30, 60, 300, 600, 1800].find((s) => span / s <= 10 * zoom) ?? 3600;
    for (let t = 0; t <= span; t += step) ctx.fillText(formatClock(t), Math.min(x(t), width - 28), HEIGHT - 4);
    if (cursor !== null) {
      ctx.fillStyle = '#c92a2a';
      ctx.fillRect(x(cursor) - 1, 0, 2, plot);
    }
  }, [segments, duration, colourOf, selected, hidden, cursor, zoom]);

  return (
    <canvas
      ref={canvasRef}
      className="timeline-chart"
      data-testid="timeline-chart"
      style={{ width: `${String(100 * zoom)}%`, height: `${String(HEIGHT)}px` }}
      aria-label="Emotion over time: each band is a stretch of speech, coloured by its emotion"
      role="img"
      onClick={(e) => {
        const rect = e.currentTarget.getBoundingClientRect();
        const t = ((e.clientX - rect.left) / rect.width) * Math.max(duration, 1e-3);
        const hit = segments.findIndex((s) => t >= s.start && t <= s.end && !hidden.has(s.emotion ?? ''));
        if (hit >= 0) onSelect(hit);
      }}
    />
  );
}
