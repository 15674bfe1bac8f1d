/**
 * metadata.csv read leniently for the page's folder import (faulty lines named and left out, the rest kept) and
 * strictly for the CLI (the first faulty line is an error): one table of files, one runner.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors';
import { parseCsv, parseCsvFrom } from '../../src/data/csv';
import { parseMetadata, readMetadata } from '../../src/data/metadata';

interface Case {
  readonly name: string;
  readonly text: string;
  /** Paths read, in order. */
  readonly paths: readonly string[];
  /** Lines reported, in order, with a fragment each message must hold. */
  readonly problems: readonly (readonly [number, string])[];
}

const HEADER = 'path,emotion,transcript\n';

const CASES: readonly Case[] = [
  {
    name: 'a clean file',
    text: `${HEADER}a.wav,happy,hi\nb.wav,sad,\n`,
    paths: ['a.wav', 'b.wav'],
    problems: [],
  },
  {
    name: 'an empty emotion cell',
    text: `${HEADER}a.wav,happy,\nb.wav,,words\nc.wav,calm,\n`,
    paths: ['a.wav', 'c.wav'],
    problems: [[3, 'line 3 (b.wav) has no emotion']],
  },
  {
    name: 'a quote never closed: its line is named, the lines before are kept',
    text: `${HEADER}a.wav,happy,\nb.wav,"sad,words\nc.wav,calm,\n`,
    paths: ['a.wav', 'c.wav'],
    problems: [[3, 'line 3: a quote (") opened on this line is never closed']],
  },
  {
    name: 'a quote closed lines later: the row that swallowed others is left out, the others are read again',
    text: `${HEADER}a.wav,"happy,\nb.wav,sad,x\nc.wav,calm,"quoted"\nd.wav,angry,\n`,
    paths: ['b.wav', 'c.wav', 'd.wav'],
    problems: [[2, 'line 2: a quoted field runs on to line 4']],
  },
  {
    name: 'a transcript quoted over two lines is fine, and later lines keep their numbers',
    text: `${HEADER}a.wav,happy,"two\nlines"\nb.wav,,x\n`,
    paths: ['a.wav'],
    problems: [[4, 'line 4 (b.wav) has no emotion']],
  },
  {
    name: 'CRLF line ends, a BOM, a missing path, a path listed twice, a path outside the folder',
    text: `\ufeff${HEADER.replace('\n', '\r\n')}a.wav,happy,\r\n,sad,\r\na.wav,calm,\r\n../x.wav,calm,\r\nb.wav,calm,\r\n`,
    paths: ['a.wav', 'b.wav'],
    problems: [
      [3, 'line 3 has no path'],
      [4, 'line 4: "a.wav" is listed twice'],
      [5, 'must stay inside the dataset folder'],
    ],
  },
];

describe('readMetadata', () => {
  it.each(CASES)('$name', ({ text, paths, problems }) => {
    const read = readMetadata(text);
    expect(read.records.map((r) => r.path)).toEqual(paths);
    expect(read.problems.map((p) => p.line)).toEqual(problems.map(([line]) => line));
    read.problems.forEach((p, i) => {
      expect(p.message).toContain(problems[i]?.[1]);
    });
  });

  it.each([
    [
      'no path and emotion columns',
      'file,label\na.wav,happy\n',
      'needs the columns "path" and "emotion" (found: file, label)',
    ],
    ['an empty file', '', 'the file is empty'],
    ['a header only (strict: no clips)', 'path,emotion\n', 'lists no clips'],
  ])('refuses %s with a bad-dataset error', (_, text, message) => {
    const read = (): unknown => parseMetadata(text);
    expect(read).toThrow(AppError);
    expect(read).toThrow(message);
  });

  it('is strict for the CLI: the first faulty line and the count of the others', () => {
    const text = `${HEADER}a.wav,,\nb.wav,happy,\nc.wav,,\n`;
    expect(() => parseMetadata(text)).toThrow(
      'metadata.csv: line 2 (a.wav) has no emotion (and 1 more line(s) at fault)',
    );
    expect(parseMetadata(`${HEADER}a.wav,happy,\n`).map((r) => r.emotion)).toEqual(['happy']);
  });
});

describe('parseCsvFrom', () => {
  it('numbers the lines each row starts and ends on', () => {
    const { rows, unclosedQuoteLine } = parseCsvFrom('a,b\n"x\ny",z\r\nlast,1', 10);
    expect(rows.map((r) => [r.line, r.endLine, r.fields])).toEqual([
      [10, 10, ['a', 'b']],
      [11, 12, ['x\ny', 'z']],
      [13, 13, ['last', '1']],
    ]);
    expect(unclosedQuoteLine).toBeNull();
  });

  it('parseCsv refuses a quote that is never closed, naming its line', () => {
    expect(() => parseCsv('a,b\nc,d\n"e,f\ng,h\n')).toThrow('line 3: a quote (") opened on this line is never closed');
  });
});
