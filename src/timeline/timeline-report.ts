/**
 * A timeline as people take it away: the JSON the CLI prints and the page exports (one definition), a CSV with one
 * row per segment and every label's score, and the summary the page shows (speaking time per emotion, the most
 * intense moments).
 */
import type { TimelineSegment } from './timeline';

/** The exported form of a segment: times to the millisecond, no error details. */
export interface TimelineRow {
  readonly start: number;
  readonly end: number;
  readonly emotion: string | null;
  readonly scores: Readonly<Record<string, number>>;
  readonly transcript: string | null;
}

/** `{file, duration, segments}`: what `npm run cli -- timeline --json` prints and the page's JSON export holds. */
export interface TimelineReport {
  readonly file: string;
  readonly duration: number;
  readonly segments: readonly TimelineRow[];
}

/** A time in a recording as m:ss.s ("1:05.3"); `width` pads the minutes ("01:05.3" at 2) for aligned columns. */
export function formatTime(seconds: number, width = 1): string {
  const m = Math.floor(seconds / 60);
  return `${String(m).padStart(width, '0')}:${(seconds - 60 * m).toFixed(1).padStart(4, '0')}`;
}

/** Seconds to the millisecond: the detector's frames are 32 ms, finer digits would only be noise. */
const ms = (seconds: number): number => Math.round(seconds * 1000) / 1000;

/** The report of a timeline of `file` lasting `duration` seconds. */
export function timelineReport(file: string, duration: number, segments: readonly TimelineSegment[]): TimelineReport {
  return {
    file,
    duration: ms(duration),
    segments: segments.map((s) => ({
      start: ms(s.start),
      end: ms(s.end),
      emotion: s.emotion,
      scores: s.scores,
      transcript: s.transcript,
    })),
  };
}

/** Every label any segment was scored on, in first-seen order (the CSV's score columns). */
export function reportLabels(report: TimelineReport): string[] {
  const labels: string[] = [];
  for (const s of report.segments) for (const l of Object.keys(s.scores)) if (!labels.includes(l)) labels.push(l);
  return labels;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One row per segment: start, end, emotion, transcript, then a column per label's score. */
export function timelineCsv(report: TimelineReport): string {
  const labels = reportLabels(report);
  const lines = [['start', 'end', 'emotion', 'transcript', ...labels].map(csvField).join(',')];
  for (const s of report.segments) {
    const scores = labels.map((l) => (s.scores[l] === undefined ? '' : String(s.scores[l])));
    lines.push(
      [String(s.start), String(s.end), s.emotion ?? '', s.transcript ?? '', ...scores].map(csvField).join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** What the page says about a whole timeline. */
export interface TimelineSummary {
  /** Seconds of speech found. */
  readonly speech: number;
  /** Each winning emotion's share (0-1) of the speaking time, largest first. */
  readonly shares: readonly { readonly emotion: string; readonly share: number }[];
  /** The segments with the most confident emotion, most confident first (at most `top`). */
  readonly intense: readonly TimelineRow[];
}

export function summarise(report: TimelineReport, top = 3): TimelineSummary {
  const scored = report.segments.filter((s) => s.emotion !== null);
  const speech = report.segments.reduce((t, s) => t + (s.end - s.start), 0);
  const byEmotion = new Map<string, number>();
  for (const s of scored) byEmotion.set(s.emotion ?? '', (byEmotion.get(s.emotion ?? '') ?? 0) + (s.end - s.start));
  const scoredTime = [...byEmotion.values()].reduce((a, b) => a + b, 0);
  const shares = [...byEmotion]
    .map(([emotion, t]) => ({ emotion, share: scoredTime > 0 ? t / scoredTime : 0 }))
    .sort((a, b) => b.share - a.share);
  const confidence = (s: TimelineRow): number => s.scores[s.emotion ?? ''] ?? 0;
  const intense = [...scored].sort((a, b) => confidence(b) - confidence(a)).slice(0, top);
  return { speech, shares, intense };
}
