/**
 * The page's import of chosen or dropped files, in Node (File exists there and WAV decoding is plain code): RAVDESS
 * names label themselves, a folder's metadata.csv wins over names, broken audio is reported by name and the rest
 * still comes in, and nothing that is not audio becomes a clip.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NewClip } from '../../src/data/library/library-types';
import type { ErrorInfo } from '../../src/core/errors';
import { ORIGINAL_MAX_BYTES, importFiles, importLines, type ImportFile } from '../../src/page/library-import';
import { ravdessSamples } from '../ravdess';
import { ravdessClip } from '../shared-data';

const A = 'Actor_01/03-01-05-01-01-01-01.wav';
const B = 'Actor_02/03-01-04-02-02-01-02.wav';

function file(path: string, bytes: Uint8Array | string): ImportFile {
  const name = path.split('/').pop() ?? path;
  return { file: new File([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)], name), path };
}
const wav = (rel: string): Uint8Array => readFileSync(ravdessClip(rel));

/** A library that stores batches until `room` clips are in it, then answers as a full disk does. */
function fakeLibrary(room = Infinity): {
  stored: NewClip[];
  batches: number[];
  store: (c: readonly NewClip[]) => Promise<ErrorInfo | null>;
} {
  const stored: NewClip[] = [];
  const batches: number[] = [];
  return {
    stored,
    batches,
    store: (clips) => {
      batches.push(clips.length);
      if (stored.length + clips.length > room)
        return Promise.resolve({ code: 'storage-full', message: 'The storage is full.' });
      stored.push(...clips);
      return Promise.resolve(null);
    },
  };
}

async function prepareImport(files: readonly ImportFile[], onProgress?: (done: number) => void) {
  const lib = fakeLibrary();
  const report = await importFiles(files, lib.store, onProgress);
  return { ...report, clips: lib.stored };
}

describe('importFiles', () => {
  it('labels RAVDESS names, keeps small originals, reports broken audio and ignores other files', async () => {
    const progress: number[] = [];
    const report = await prepareImport(
      [
        file('03-01-05-01-01-01-01.wav', wav(A)),
        file('03-01-04-02-02-01-02.wav', wav(B)),
        file('broken.wav', 'RIFF nonsense'),
        file('notes.txt', 'hello'),
      ],
      (done) => progress.push(done),
    );
    expect(report.clips.map((c) => [c.name, c.label, c.speaker, c.transcript, c.source])).toEqual([
      ['03-01-05-01-01-01-01.wav', 'angry', '01', 'Kids are talking by the door', 'file'],
      ['03-01-04-02-02-01-02.wav', 'sad', '02', 'Dogs are sitting by the door', 'file'],
    ]);
    // Already 16 kHz, so the clip keeps every sample its WAV header counts.
    expect(report.clips.map((c) => c.pcm.length)).toEqual([ravdessSamples(A), ravdessSamples(B)]);
    expect(report.clips[0]?.original?.size).toBeLessThanOrEqual(ORIGINAL_MAX_BYTES);
    expect(report.failed.map((f) => f.path)).toEqual(['broken.wav']);
    expect(report.failed[0]?.reason.length).toBeGreaterThan(10);
    expect(report.ignored).toBe(1);
    expect(progress.at(-1)).toBe(3);
  });

  it("takes labels, transcripts and speakers from a folder's metadata.csv", async () => {
    const csv = 'path,emotion,transcript,speaker\nclips/a.wav,calm,hello there,alice\nclips/missing.wav,sad,,bob\n';
    const report = await prepareImport([
      file('set/metadata.csv', csv),
      file('set/clips/a.wav', wav(A)),
      file('set/clips/extra.wav', wav(B)),
    ]);
    expect(report.clips.map((c) => [c.name, c.label, c.transcript, c.transcriptSource, c.speaker, c.source])).toEqual([
      ['a.wav', 'calm', 'hello there', 'metadata', 'alice', 'folder'],
    ]);
    expect(report.problems.join(' ')).toMatch(/missing\.wav/);
    expect(report.problems.join(' ')).toMatch(/extra\.wav/);
  });

  it('stores in batches, and a disk that fills up keeps every batch stored before and counts the rest', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `clip-${String(i).padStart(2, '0')}.wav`);
    const lib = fakeLibrary(10);
    const report = await importFiles(
      names.map((n) => file(n, wav(A))),
      lib.store,
    );
    // Batches of 8: the first is stored, the second would pass the room left and is refused; no third is tried.
    expect(lib.batches).toEqual([8, 8]);
    expect(lib.stored.map((c) => c.name)).toEqual(names.slice(0, 8));
    expect(report.added).toBe(8);
    expect(report.stopped?.error.code).toBe('storage-full');
    expect(report.stopped?.notStored).toBe(12);
    expect(importLines(report)).toContain(
      '12 clip(s) were not stored: The storage is full. Import them again once there is room.',
    );
  });

  it('reports a truncated or clipped file as imported with a warning', async () => {
    const whole = wav(A);
    const cut = whole.slice(0, 44 + (whole.length - 44) / 2);
    const report = await prepareImport([file('cut.wav', cut)]);
    expect(report.added).toBe(1);
    expect(report.warned.map((w) => w.path)).toEqual(['cut.wav']);
    expect(importLines(report).join(' ')).toContain('cut.wav: The file ends early');
  });
});
