/**
 * `npm run cli -- timeline FILE --json` on a three-minute recording of RAVDESS clips joined by 1.5 s of silence: one
 * JSON object on stdout, one segment per clip inside the clip's span (0.3 s of slack), every label scored, the
 * file's duration; the plain table has one row per segment; a file that is not audio is an error with its code.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/wav';
import { clipOfEachSegment, joinedRavdess, type JoinedClips } from '../timeline-audio';
import { cli } from './run-mmer';

interface TimelineJson {
  file: string;
  duration: number;
  segments: {
    start: number;
    end: number;
    emotion: string | null;
    scores: Record<string, number>;
    transcript: string | null;
  }[];
}

const dir = mkdtempSync(join(tmpdir(), 'mmer-timeline-'));
const file = join(dir, 'three-minutes.wav');
let joined: JoinedClips;

beforeAll(() => {
  // 40 clips of 2.9-5 s and their gaps: about three minutes.
  joined = joinedRavdess(40);
  writeFileSync(file, encodeWav(joined.pcm, 16_000));
});

describe('npm run cli -- timeline', () => {
  it('prints one JSON object with one segment per clip, at the clip', async () => {
    const { code, stdout, stderr } = await cli(['timeline', file, '--pair', 'lite', '--json']);
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0] ?? '') as TimelineJson;
    expect(Object.keys(out)).toEqual(['file', 'duration', 'segments']);
    expect(out.file).toBe(file);
    expect(out.duration).toBeCloseTo(joined.pcm.length / 16_000, 2);
    expect(out.duration).toBeGreaterThan(170);
    expect(clipOfEachSegment(out.segments, joined.clips, 0.3)).toEqual(joined.clips.map((_, i) => i));
    for (const s of out.segments) {
      expect(Object.keys(s)).toEqual(['start', 'end', 'emotion', 'scores', 'transcript']);
      expect(Object.keys(s.scores)).toHaveLength(8);
      expect(s.emotion).toBe(Object.entries(s.scores).sort((a, b) => b[1] - a[1])[0]?.[0]);
      expect(Math.abs(Object.values(s.scores).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-4);
      // The embedded pair has no speech recogniser.
      expect(s.transcript).toBeNull();
    }
    // Progress went to stderr, never into the JSON.
    expect(stderr).toContain('of 0');
  }, 180_000);

  it('prints a table row per segment without --json', async () => {
    const { code, stdout } = await cli(['timeline', file, '--pair', 'lite']);
    expect(code).toBe(0);
    const rows = stdout.trim().split('\n');
    expect(rows).toHaveLength(joined.clips.length);
    for (const row of rows) expect(row).toMatch(/^\d\d:\d\d\.\d-\d\d:\d\d\.\d {2}\w+ \d+%/);
  }, 180_000);

  it('gives each segment its transcript with a pair that has a recogniser', async () => {
    const short = joinedRavdess(3);
    const path = join(dir, 'three-clips.wav');
    writeFileSync(path, encodeWav(short.pcm, 16_000));
    const { code, stdout, stderr } = await cli(['timeline', path, '--pair', 'fixture', '--json']);
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout) as TimelineJson;
    expect(clipOfEachSegment(out.segments, short.clips, 0.3)).toEqual([0, 1, 2]);
    // The fixture recogniser's weights are random: its transcripts are noise, but they are there, one per segment.
    for (const s of out.segments) expect(typeof s.transcript).toBe('string');
  }, 120_000);

  it('refuses a file that is not audio with its code, and a missing file name with the usage', async () => {
    const text = join(dir, 'notes.wav');
    writeFileSync(text, 'meeting notes, not audio');
    const refused = await cli(['timeline', text, '--json']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('error (not-audio)');
    const usage = await cli(['timeline']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('usage: npm run cli -- timeline');
  }, 60_000);
});
