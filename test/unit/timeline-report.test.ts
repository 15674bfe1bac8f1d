/** The timeline's exports and summary: the CLI's JSON shape, a CSV row per segment, shares of speaking time. */
import { describe, expect, it } from 'vitest';
import type { TimelineSegment } from '../../src/timeline/timeline';
import { parseCsv } from '../../src/data/csv';
import { summarise, timelineCsv, timelineReport } from '../../src/timeline/timeline-report';

const SEGMENTS: TimelineSegment[] = [
  { start: 1.0004, end: 3, emotion: 'calm', scores: { calm: 0.7, sad: 0.3 }, transcript: 'hello, "you"' },
  { start: 4, end: 5, emotion: 'sad', scores: { calm: 0.1, sad: 0.9 }, transcript: null },
  { start: 6, end: 10, emotion: 'calm', scores: { calm: 0.6, sad: 0.4 }, transcript: 'two\nlines' },
  { start: 11, end: 12, emotion: null, scores: {}, transcript: null, error: { code: 'silent', message: 'x' } },
];

describe('timeline reports', () => {
  const report = timelineReport('talk.wav', 12.34567, SEGMENTS);

  it('has the JSON shape of the CLI: times to the millisecond, no error details', () => {
    expect(Object.keys(report)).toEqual(['file', 'duration', 'segments']);
    expect(report.duration).toBe(12.346);
    expect(report.segments[0]).toEqual({
      start: 1,
      end: 3,
      emotion: 'calm',
      scores: { calm: 0.7, sad: 0.3 },
      transcript: 'hello, "you"',
    });
    expect(report.segments.map((s) => Object.keys(s).length)).toEqual([5, 5, 5, 5]);
  });

  it('writes a CSV that reads back to the same rows, quotes and line breaks included', () => {
    const rows = parseCsv(timelineCsv(report));
    expect(rows[0]).toEqual(['start', 'end', 'emotion', 'transcript', 'calm', 'sad']);
    expect(rows.slice(1)).toEqual([
      ['1', '3', 'calm', 'hello, "you"', '0.7', '0.3'],
      ['4', '5', 'sad', '', '0.1', '0.9'],
      ['6', '10', 'calm', 'two\nlines', '0.6', '0.4'],
      ['11', '12', '', '', '', ''],
    ]);
  });

  it('summarises speaking time per emotion and the most confident moments', () => {
    const s = summarise(report, 2);
    expect(s.speech).toBeCloseTo(8, 6);
    expect(s.shares).toEqual([
      { emotion: 'calm', share: 6 / 7 },
      { emotion: 'sad', share: 1 / 7 },
    ]);
    expect(s.intense.map((r) => r.start)).toEqual([4, 1]);
  });
});
