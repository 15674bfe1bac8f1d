import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv';
import { parseMetadata } from '../../src/data/metadata';
import { seededShuffle, speakerSplit } from '../../src/data/splits';
import { ravdessMetadata } from '../ravdess';
import { RAVDESS_DIR } from '../shared-data';

describe('parseCsv', () => {
  it.each([
    {
      name: 'plain',
      text: 'a,b\n1,2\n',
      rows: [
        ['a', 'b'],
        ['1', '2'],
      ],
    },
    {
      name: 'CRLF and no final newline',
      text: 'a,b\r\n1,2',
      rows: [
        ['a', 'b'],
        ['1', '2'],
      ],
    },
    {
      name: 'quoted comma and quote',
      text: 'a,b\n"x, ""y""",2\n',
      rows: [
        ['a', 'b'],
        ['x, "y"', '2'],
      ],
    },
    { name: 'newline inside quotes', text: 'a\n"one\ntwo"\n', rows: [['a'], ['one\ntwo']] },
    { name: 'BOM and blank lines', text: '\ufeffa\n\n1\n', rows: [['a'], ['1']] },
    {
      name: 'empty fields',
      text: 'a,b,c\n,,\n',
      rows: [
        ['a', 'b', 'c'],
        ['', '', ''],
      ],
    },
  ])('$name', ({ text, rows }) => {
    expect(parseCsv(text)).toEqual(rows);
  });
});

describe('parseMetadata', () => {
  it('reads the RAVDESS metadata (actor as speaker, extra columns ignored)', () => {
    const clips = parseMetadata(readFileSync(join(RAVDESS_DIR, 'metadata.csv'), 'utf8'));
    // Row by row what the file says (read here without the app's CSV code): path, emotion, transcript, actor.
    const rows = ravdessMetadata();
    expect(rows.length).toBeGreaterThan(0);
    expect(clips).toEqual(
      rows.map((r) => ({ path: r.path, emotion: r.emotion, transcript: r.transcript, speaker: r.actor })),
    );
    expect(clips[0]).toEqual({
      path: 'Actor_01/03-01-01-01-01-01-01.wav',
      emotion: 'neutral',
      transcript: 'Kids are talking by the door',
      speaker: '01',
    });
    expect(new Set(clips.map((c) => c.emotion)).size).toBe(8);
  });

  it('treats a missing transcript column or empty cell as no transcript', () => {
    const clips = parseMetadata('path,emotion,speaker,transcript\na.wav,sad,s1,\nb.wav,happy,s2,"Hello, there"\n');
    expect(clips.map((c) => c.transcript)).toEqual([null, 'Hello, there']);
    expect(parseMetadata('emotion,path\nsad,x/a.wav\n')[0]).toEqual({
      path: 'x/a.wav',
      emotion: 'sad',
      transcript: null,
      speaker: null,
    });
  });

  it.each([
    { name: 'empty file', text: '', message: /empty/ },
    {
      name: 'missing emotion column',
      text: 'path,label\na.wav,sad\n',
      message: /needs the columns "path" and "emotion" \(found: path, label\)/,
    },
    { name: 'row without emotion', text: 'path,emotion\na.wav,\n', message: /line 2 \(a.wav\) has no emotion/ },
    { name: 'path escaping the folder', text: 'path,emotion\n../a.wav,sad\n', message: /must stay inside/ },
    {
      name: 'duplicate path',
      text: 'path,emotion\na.wav,sad\na.wav,happy\n',
      message: /line 3: "a.wav" is listed twice/,
    },
    { name: 'no clips', text: 'path,emotion\n', message: /lists no clips/ },
  ])('rejects $name', ({ text, message }) => {
    expect(() => parseMetadata(text)).toThrow(message);
  });
});

describe('speakerSplit', () => {
  const clips = parseMetadata(readFileSync(join(RAVDESS_DIR, 'metadata.csv'), 'utf8'));

  it('keeps every speaker on one side only', () => {
    const { train, validation } = speakerSplit(clips, { seed: 3 });
    const a = new Set(train.map((c) => c.speaker));
    const b = new Set(validation.map((c) => c.speaker));
    expect([...a].filter((s) => b.has(s))).toEqual([]);
    // 20 % of the speakers, rounded (3 of the 16 actors in the shared copy).
    expect(b.size).toBe(Math.round(new Set(ravdessMetadata().map((r) => r.actor)).size * 0.2));
    expect(train.length + validation.length).toBe(clips.length);
  });

  it('uses the named validation speakers', () => {
    const { validation } = speakerSplit(clips, { validationSpeakers: ['13', '14', '15', '16'] });
    expect(new Set(validation.map((c) => c.speaker))).toEqual(new Set(['13', '14', '15', '16']));
    const named = ravdessMetadata().filter((r) => ['13', '14', '15', '16'].includes(r.actor));
    expect(named.length).toBeGreaterThan(0);
    expect(validation.map((c) => c.path).sort()).toEqual(named.map((r) => r.path).sort());
  });

  it.each([
    { name: 'an unknown speaker', opts: { validationSpeakers: ['99'] }, message: /99 not in the data/ },
    { name: 'all speakers', opts: { validationSpeakers: ['01', '02'] }, message: /nothing is left/, data: 'two' },
  ])('refuses $name', ({ opts, message, data }) => {
    const subset = data === 'two' ? clips.filter((c) => c.speaker === '01' || c.speaker === '02') : clips;
    expect(() => speakerSplit(subset, opts)).toThrow(message);
  });

  it('refuses untagged clips and single-speaker data', () => {
    expect(() => speakerSplit([{ path: 'a', emotion: 'x', transcript: null, speaker: null }])).toThrow(/no speaker/);
    expect(() => speakerSplit(clips.filter((c) => c.speaker === '01'))).toThrow(/Only one speaker/);
  });

  it('shuffles reproducibly', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    expect(seededShuffle(xs, 7)).toEqual(seededShuffle(xs, 7));
    expect(seededShuffle(xs, 7)).not.toEqual(seededShuffle(xs, 8));
    expect([...seededShuffle(xs, 7)].sort((p, q) => p - q)).toEqual(xs);
  });
});
