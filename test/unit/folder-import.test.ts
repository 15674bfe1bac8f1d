import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { isAudioPath, planImport, type ImportMetadata } from '../../src/data/folder-import';

const files = (...paths: string[]): { path: string; size: number }[] => paths.map((path) => ({ path, size: 1000 }));

const CSV = [
  'path,emotion,transcript,speaker',
  'a/one.wav,happy,hello there,s1',
  'a/two.wav,sad,,s2',
  'three.wav,angry,go away,',
].join('\n');

describe('planImport without metadata.csv', () => {
  it('labels RAVDESS names, leaves other audio unlabelled and counts non-audio files', () => {
    const plan = planImport(
      files(
        'ravdess/Actor_12/03-01-05-02-01-01-12.wav',
        'ravdess/Actor_12/notes.txt',
        'ravdess/me.MP3',
        'ravdess/cover.jpg',
        'ravdess/03-02-05-02-01-01-12.wav',
      ),
      null,
    );
    expect(plan.items).toEqual([
      {
        path: 'ravdess/Actor_12/03-01-05-02-01-01-12.wav',
        label: 'angry',
        transcript: 'Kids are talking by the door',
        transcriptSource: 'filename',
        speaker: '12',
      },
      { path: 'ravdess/me.MP3', label: null, transcript: null, transcriptSource: null, speaker: null },
      // A song file is audio, just not labelled from its name.
      {
        path: 'ravdess/03-02-05-02-01-01-12.wav',
        label: null,
        transcript: null,
        transcriptSource: null,
        speaker: null,
      },
    ]);
    expect(plan.problems).toEqual([]);
    expect(plan.ignored).toBe(2);
  });

  it('takes plain multi-selected file names', () => {
    const plan = planImport(
      files('03-01-03-01-02-01-01.flac', 'x.ogg', 'y.oga', 'z.webm', 'q.m4a', 'r.aac', 's.opus', 'README'),
      null,
    );
    expect(plan.items.map((i) => i.path)).toEqual([
      '03-01-03-01-02-01-01.flac',
      'x.ogg',
      'y.oga',
      'z.webm',
      'q.m4a',
      'r.aac',
      's.opus',
    ]);
    expect(plan.items[0]).toMatchObject({ label: 'happy', speaker: '01', transcript: 'Dogs are sitting by the door' });
    expect(plan.ignored).toBe(1);
  });
});

describe('planImport with metadata.csv', () => {
  // [case, file paths, metadata argument] — the same three clips under different folder layouts.
  const layouts: [string, string[], ImportMetadata][] = [
    ['at the top, text only', ['a/one.wav', 'a/two.wav', 'three.wav'], CSV],
    [
      'in a picked folder, with its path',
      ['data/metadata.csv', 'data/a/one.wav', 'data/a/two.wav', 'data/three.wav'],
      { text: CSV, path: 'data/metadata.csv' },
    ],
    ['in a picked folder, text only', ['data/a/one.wav', 'data/a/two.wav', 'data/three.wav'], CSV],
    [
      'nested two deep, with its path',
      ['pick/corpus/a/one.wav', 'pick/corpus/a/two.wav', 'pick/corpus/three.wav'],
      { text: CSV, path: 'pick/corpus/metadata.csv' },
    ],
    ['nested two deep, text only', ['pick/corpus/a/one.wav', 'pick/corpus/a/two.wav', 'pick/corpus/three.wav'], CSV],
    [
      'Windows separators and other case',
      ['data\\A\\ONE.wav', 'data\\a\\two.wav', 'data\\three.wav'],
      { text: CSV, path: 'data\\metadata.csv' },
    ],
  ];

  it.each(layouts)('matches listed files (%s)', (_case, paths, metadata) => {
    const plan = planImport(files(...paths), metadata);
    expect(plan.problems).toEqual([]);
    expect(plan.ignored).toBe(0);
    expect(plan.items.map((i) => i.path)).toEqual(paths.filter((p) => !p.endsWith('metadata.csv')));
    expect(
      plan.items.map(({ label, transcript, transcriptSource, speaker }) => ({
        label,
        transcript,
        transcriptSource,
        speaker,
      })),
    ).toEqual([
      { label: 'happy', transcript: 'hello there', transcriptSource: 'metadata', speaker: 's1' },
      { label: 'sad', transcript: null, transcriptSource: null, speaker: 's2' },
      { label: 'angry', transcript: 'go away', transcriptSource: 'metadata', speaker: null },
    ]);
  });

  it('reports missing and unlisted files with counts and at most three examples', () => {
    const csv = ['path,emotion', ...['m1', 'm2', 'm3', 'm4', 'ok'].map((n) => `${n}.wav,happy`)].join('\n');
    const plan = planImport(files('d/ok.wav', 'd/extra.wav', 'd/cover.png', 'other/ok.wav'), {
      text: csv,
      path: 'd/metadata.csv',
    });
    expect(plan.items.map((i) => i.path)).toEqual(['d/ok.wav']);
    expect(plan.problems).toEqual([
      '4 files listed in metadata.csv are not in the selection, for example "m1.wav", "m2.wav" and "m3.wav".',
      '2 audio files are not listed in metadata.csv and were left out: "d/extra.wav" and "other/ok.wav".',
    ]);
    expect(plan.ignored).toBe(1);
  });

  it('uses the singular for one file', () => {
    const plan = planImport(files('x.wav'), 'path,emotion\ny.wav,sad\n');
    expect(plan.items).toEqual([]);
    expect(plan.problems).toEqual([
      '1 file listed in metadata.csv is not in the selection: "y.wav".',
      '1 audio file is not listed in metadata.csv and was left out: "x.wav".',
    ]);
  });

  it("refuses an unreadable metadata.csv with the parser's reason", () => {
    expect(() => planImport(files('a.wav'), 'file,label\na.wav,sad\n')).toThrow(AppError);
    expect(() => planImport(files('a.wav'), 'file,label\na.wav,sad\n')).toThrow(
      /needs the columns "path" and "emotion"/,
    );
  });

  it('leaves out faulty lines by number and imports the rest', () => {
    const text = ['path,emotion', 'one.wav,happy', 'two.wav,', 'three.wav,"sad', 'four.wav,calm'].join('\n');
    const plan = planImport(files('one.wav', 'two.wav', 'three.wav', 'four.wav'), text);
    expect(plan.items.map((i) => [i.path, i.label])).toEqual([
      ['one.wav', 'happy'],
      ['four.wav', 'calm'],
    ]);
    expect(plan.problems.slice(0, 2)).toEqual([
      'metadata.csv line 3 (two.wav) has no emotion: that line was left out.',
      'metadata.csv line 4: a quote (") opened on this line is never closed, so the rest of the file would be one field: that line was left out.',
    ]);
  });

  it('names at most five faulty lines and counts the rest', () => {
    const text = ['path,emotion', ...Array.from({ length: 8 }, (_, i) => `f${i}.wav,`), 'ok.wav,sad'].join('\n');
    const plan = planImport(files('ok.wav'), text);
    expect(plan.items.map((i) => i.path)).toEqual(['ok.wav']);
    expect(plan.problems.filter((p) => p.startsWith('metadata.csv line'))).toHaveLength(5);
    expect(plan.problems).toContain('3 more line(s) of metadata.csv could not be read and were left out.');
  });

  it('refuses a metadata.csv of which no line can be read, naming the lines', () => {
    expect(() => planImport(files('a.wav'), 'path,emotion\na.wav,\n')).toThrow(
      'metadata.csv lists no clip that can be imported: line 2 (a.wav) has no emotion.',
    );
  });
});

describe('isAudioPath', () => {
  it.each([
    ['a.wav', true],
    ['A.WAV', true],
    ['dir/b.Flac', true],
    ['c.opus', true],
    ['d.txt', false],
    ['wav', false],
    ['.wav', false],
    ['e.wav.txt', false],
  ])('%s -> %s', (path, audio) => {
    expect(isAudioPath(path)).toBe(audio);
  });
});
