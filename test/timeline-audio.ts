/**
 * Long recordings made of RAVDESS clips for the timeline tests: clips picked from `metadata.csv` (never by name),
 * joined by silence, with where each clip lies. Written under the OS temp folder, never into the repository.
 */
import { readFileSync } from 'node:fs';
import { decodeWav } from '../src/audio/wav';
import { ravdessMetadata } from './ravdess';
import { ravdessClip } from './shared-data';

/** A joined recording: 16 kHz samples and each clip's span in seconds. */
export interface JoinedClips {
  readonly pcm: Float32Array;
  readonly clips: readonly { readonly path: string; readonly start: number; readonly end: number }[];
}

/** The first clip of each of `count` actor/emotion pairs, in metadata order, joined by `gapS` seconds of silence. */
export function joinedRavdess(count: number, gapS = 1.5): JoinedClips {
  const seen = new Set<string>();
  const rows = ravdessMetadata().filter((r) => {
    const key = `${r.actor}/${r.emotion}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (rows.length < count)
    throw new Error(`metadata.csv has ${String(rows.length)} actor/emotion pairs, not ${String(count)}`);
  const parts: Float32Array[] = [];
  const clips: { path: string; start: number; end: number }[] = [];
  const gap = Math.round(gapS * 16_000);
  let at = 0;
  for (const row of rows.slice(0, count)) {
    const wav = decodeWav(readFileSync(ravdessClip(row.path)));
    const samples = wav.channels[0];
    if (samples === undefined || wav.sampleRate !== 16_000) throw new Error(`${row.path} is not 16 kHz mono`);
    clips.push({ path: row.path, start: at / 16_000, end: (at + samples.length) / 16_000 });
    parts.push(samples, new Float32Array(gap));
    at += samples.length + gap;
  }
  const pcm = new Float32Array(at);
  let o = 0;
  for (const p of parts) {
    pcm.set(p, o);
    o += p.length;
  }
  return { pcm, clips };
}

/** For each segment, the index of the clip whose span (widened by `slackS`) holds it; -1 when none does. */
export function clipOfEachSegment(
  segments: readonly { readonly start: number; readonly end: number }[],
  clips: JoinedClips['clips'],
  slackS: number,
): number[] {
  return segments.map((s) => clips.findIndex((c) => s.start >= c.start - slackS && s.end <= c.end + slackS));
}
