import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readClip } from '../../cli/audio-file';
import { checkTrainable, encodeRecords, readDataset } from '../../cli/dataset';
import { encodeWav } from '../../src/audio/wav';
import type { ClipRecord } from '../../src/data/metadata';
import { speakerSplit } from '../../src/data/splits';
import { loadNodeEncoders } from '../../src/inference/node';
import { MemoryStore } from '../../src/runtime/cache';
import { ravdessClip } from '../shared-data';

/** A dataset folder with two good clips, one unreadable file, one missing file and one unknown label. */
function makeDataset(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mmer-data-'));
  mkdirSync(join(dir, 'clips'));
  copyFileSync(ravdessClip('Actor_01/03-01-04-01-01-01-01.wav'), join(dir, 'clips/sad.wav'));
  copyFileSync(ravdessClip('Actor_01/03-01-05-01-01-01-01.wav'), join(dir, 'clips/angry.wav'));
  writeFileSync(join(dir, 'clips/broken.wav'), 'not audio at all');
  writeFileSync(
    join(dir, 'metadata.csv'),
    [
      'path,emotion,transcript,speaker,extra',
      'clips/sad.wav,sad,Kids are talking by the door,s1,x',
      'clips/angry.wav,angry,,s2,y',
      'clips/broken.wav,sad,Hello,s1,z',
      'clips/gone.wav,sad,Hello,s3,z',
      'clips/angry.wav2,bored,Hello,s3,z',
    ].join('\n'),
  );
  return dir;
}

describe('CLI dataset reading', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeDataset();
  });

  it('skips missing files and unknown labels, saying so', async () => {
    const warnings: string[] = [];
    const { records, labels } = await readDataset(dir, ['sad', 'angry'], (w) => warnings.push(w));
    expect(labels).toEqual(['sad', 'angry']);
    expect(records.map((r) => r.path)).toEqual(['clips/sad.wav', 'clips/angry.wav', 'clips/broken.wav']);
    expect(warnings.join('\n')).toMatch(/2 file\(s\) listed in metadata.csv are missing.*clips\/gone.wav/);
  });

  it('defaults the label list to every label present, sorted', async () => {
    writeFileSync(join(dir, 'clips/angry.wav2'), '');
    const { labels } = await readDataset(dir, null, () => undefined);
    expect(labels).toEqual(['angry', 'bored', 'sad']);
  });

  it('reports unreadable audio per clip and keeps the rest', async () => {
    const warnings: string[] = [];
    const { records } = await readDataset(dir, ['sad', 'angry'], () => undefined);
    const encoders = await loadNodeEncoders({ pair: 'lite', store: new MemoryStore() });
    const out = await encodeRecords(
      dir,
      records,
      ['sad', 'angry'],
      encoders,
      { augment: true, seed: 1, label: 'test' },
      (w) => warnings.push(w),
    );
    expect(out.records.map((r) => r.path)).toEqual(['clips/sad.wav', 'clips/angry.wav']);
    expect(warnings.join('\n')).toMatch(/skipped clips\/broken.wav: .*not a WAV file/);
    // The clip without a transcript gets no CTC target; the other one does.
    expect(out.examples.map((e) => e.ctcTarget === null)).toEqual([false, true]);
    expect(out.examples.filter((e) => e.augmented === null)).toEqual([]);
  });

  it.each([
    {
      name: 'a folder without metadata.csv',
      dir: () => mkdtempSync(join(tmpdir(), 'mmer-empty-')),
      labels: null,
      message: /No metadata.csv in .*iemocap.csv .*Session1..Session5/,
    },
    { name: 'labels matching nothing', dir: () => dir, labels: ['calm'], message: /No usable clips/ },
  ])('refuses $name', async ({ dir: d, labels, message }) => {
    await expect(readDataset(d(), labels, () => undefined)).rejects.toThrow(message);
  });

  it('refuses single-class training data', async () => {
    const { records } = await readDataset(dir, ['sad'], () => undefined);
    expect(() => {
      checkTrainable(dir, records);
    }).toThrow(/at least two emotions; .* has only "sad"/);
  });
});

/** Writes `files` (relative path -> text, or null for a short synthetic WAV) under a fresh temp folder. */
function tree(files: Record<string, string | null>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mmer-iemocap-'));
  const tone = Float32Array.from({ length: 1600 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / 16_000));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text ?? encodeWav(tone, 16_000));
  }
  return dir;
}

const AUTHORS_CSV = [
  ',FileName,Sentences,Label,text,AugmentedText',
  '0,Ses01F_impro01_F000,Excuse me.,neu,EXCUSE ME .,Excuse me.',
  '1,Ses01F_impro01_M001,"Well, ""yes"".",exc,WELL YES,"Well, yes."',
  '2,Ses01F_impro01_F002,Hm.,xxx,HM,Hm.',
  '3,Ses02M_impro01_M000,Go away.,ang,GO AWAY,Leave.',
  '4,Ses02M_impro01_F001,Gone.,sad,GONE,Gone.',
].join('\n');

const evaluation = (...rows: [string, string][]): string =>
  [
    '% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]',
    '',
    ...rows.flatMap(([id, code], i) => [
      `[${i}.0000 - ${i}.5000]\t${id}\t${code}\t[2.5000, 2.5000, 2.5000]`,
      'C-E1:\tNeutral;\t()',
      '',
    ]),
  ].join('\n');

/** A release tree with two sessions, macOS resource files, a noise transcript line and one xxx clip. */
function releaseFiles(prefix: string): Record<string, string | null> {
  const s1 = `${prefix}Session1`;
  const s2 = `${prefix}Session2`;
  return {
    [`${s1}/dialog/EmoEvaluation/Ses01F_impro01.txt`]: evaluation(
      ['Ses01F_impro01_F000', 'neu'],
      ['Ses01F_impro01_M001', 'hap'],
      ['Ses01F_impro01_F002', 'xxx'],
    ),
    [`${s1}/dialog/EmoEvaluation/._Ses01F_impro01.txt`]: 'resource fork',
    [`${s1}/dialog/EmoEvaluation/Categorical/Ses01F_impro01_e1_cat.txt`]: 'not a summary file',
    [`${s1}/dialog/transcriptions/Ses01F_impro01.txt`]:
      'Ses01F_impro01_F000 [000.0-000.5]: Excuse me.\nM-noise [001.0-001.1]: [LAUGHTER]\n',
    [`${s1}/sentences/wav/Ses01F_impro01/Ses01F_impro01_F000.wav`]: null,
    [`${s1}/sentences/wav/Ses01F_impro01/Ses01F_impro01_M001.wav`]: null,
    [`${s1}/sentences/wav/Ses01F_impro01/Ses01F_impro01_F002.wav`]: null,
    [`${s1}/sentences/wav/Ses01F_impro01/._Ses01F_impro01_F000.wav`]: 'resource fork',
    [`${s2}/dialog/EmoEvaluation/Ses02M_script01_1.txt`]: evaluation(
      ['Ses02M_script01_1_F000', 'ang'],
      ['Ses02M_script01_1_M001', 'fru'],
    ),
    [`${s2}/sentences/wav/Ses02M_script01_1/Ses02M_script01_1_F000.wav`]: null,
    [`${s2}/sentences/wav/Ses02M_script01_1/Ses02M_script01_1_M001.wav`]: null,
  };
}

async function read(
  dir: string,
  labels: readonly string[] | null = null,
): Promise<{ records: ClipRecord[]; warnings: string; info: string[] }> {
  const warnings: string[] = [];
  const info: string[] = [];
  const { records } = await readDataset(
    dir,
    labels,
    (w) => warnings.push(w),
    (line) => info.push(line),
  );
  return { records, warnings: warnings.join('\n'), info };
}

describe('CLI dataset reading: IEMOCAP layouts', () => {
  it('reads the authors\u2019 iemocap.csv, finding audio in each supported place', async () => {
    const dir = tree({
      'iemocap.csv': AUTHORS_CSV,
      'Ses01F_impro01_F000.wav': null,
      'iemocap_files/Ses01F_impro01_M001.wav': null,
      'iemocap_files/Ses01F_impro01_F002.wav': null,
      'audio/IEMOCAP/iemocap_files/Ses02M_impro01_M000.wav': null,
    });
    const { records, warnings, info } = await read(dir);
    expect(info).toEqual([
      expect.stringMatching(/^reading IEMOCAP from .*iemocap\.csv \(the MMER authors' list\): 3 utterance/),
    ]);
    expect(records).toEqual([
      {
        path: 'Ses01F_impro01_F000.wav',
        emotion: 'neutral',
        transcript: 'Excuse me.',
        speaker: 'Ses01F',
        augmentedTranscript: 'Excuse me.',
      },
      {
        path: 'iemocap_files/Ses01F_impro01_M001.wav',
        emotion: 'happy',
        transcript: 'Well, "yes".',
        speaker: 'Ses01M',
        augmentedTranscript: 'Well, yes.',
      },
      {
        path: 'audio/IEMOCAP/iemocap_files/Ses02M_impro01_M000.wav',
        emotion: 'angry',
        transcript: 'Go away.',
        speaker: 'Ses02M',
        augmentedTranscript: 'Leave.',
      },
    ]);
    expect(warnings).toMatch(/1 utterance\(s\) labelled xxx .* dropped/);
    expect(warnings).toMatch(/1 labelled utterance\(s\) have no audio .* skipped, e\.g\. Ses02M_impro01_F001/);
    expect((await readClip(join(dir, records[1]?.path ?? ''))).length).toBe(1600);
  });

  it('finds iemocap.csv audio in the release tree', async () => {
    const dir = tree({
      'iemocap.csv': AUTHORS_CSV,
      'IEMOCAP_full_release/Session2/sentences/wav/Ses02M_impro01/Ses02M_impro01_F001.wav': null,
    });
    const { records } = await read(dir);
    expect(records.map((r) => r.path)).toEqual([
      'IEMOCAP_full_release/Session2/sentences/wav/Ses02M_impro01/Ses02M_impro01_F001.wav',
    ]);
  });

  it.each(['IEMOCAP_full_release/', ''])(
    'reads a release tree under "%s", holding out a session by speaker',
    async (prefix) => {
      const dir = tree(releaseFiles(prefix));
      const { records, warnings, info } = await read(dir, ['neutral', 'happy', 'angry', 'sad']);
      expect(info).toEqual([
        expect.stringMatching(/^reading the IEMOCAP release tree .* \(Session1, Session2\): 4 utterance/),
      ]);
      expect(records.map((r) => [r.path.slice(prefix.length), r.emotion, r.transcript, r.speaker])).toEqual([
        ['Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F000.wav', 'neutral', 'Excuse me.', 'Ses01F'],
        ['Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_M001.wav', 'happy', null, 'Ses01M'],
        ['Session2/sentences/wav/Ses02M_script01_1/Ses02M_script01_1_F000.wav', 'angry', null, 'Ses02F'],
      ]);
      expect(warnings).toMatch(/1 utterance\(s\) labelled xxx/);
      expect(warnings).toMatch(/3 clip\(s\) have no transcript/);
      expect(warnings).toMatch(
        /1 clip\(s\) with labels outside \[neutral, happy, angry, sad\] are skipped \(frustrated\)/,
      );
      const split = speakerSplit(records, {
        validationSpeakers: ['Ses02F', 'Ses02M'].filter((s) => records.some((r) => r.speaker === s)),
      });
      expect(split.validation.map((r) => r.speaker)).toEqual(['Ses02F']);
      expect(await readClip(join(dir, records[0]?.path ?? ''))).toHaveLength(1600);
    },
  );

  it('prefers metadata.csv over iemocap.csv, and iemocap.csv over a release tree', async () => {
    const both = tree({ ...releaseFiles(''), 'iemocap.csv': AUTHORS_CSV, 'Ses01F_impro01_F000.wav': null });
    expect((await read(both)).info[0]).toMatch(/iemocap\.csv/);
    writeFileSync(join(both, 'metadata.csv'), 'path,emotion\nSes01F_impro01_F000.wav,calm\n');
    const { records, info } = await read(both);
    expect(info[0]).toMatch(/metadata\.csv: 1 clip/);
    expect(records.map((r) => r.emotion)).toEqual(['calm']);
  });

  it.each<{ name: string; files: Record<string, string | null>; message: RegExp }>([
    {
      name: 'iemocap.csv without FileName/Label',
      files: { 'iemocap.csv': 'a,b\n1,2\n' },
      message: /iemocap\.csv: needs the columns "FileName" and "Label"/,
    },
    {
      name: 'an iemocap.csv that cannot be read',
      files: { 'iemocap.csv/x': 'a folder, not a file' },
      message: /Cannot read .*iemocap\.csv/,
    },
    {
      name: 'a malformed EmoEvaluation line',
      files: {
        ...releaseFiles(''),
        'Session2/dialog/EmoEvaluation/Ses02M_script01_1.txt': `${evaluation(['Ses02M_script01_1_F000', 'ang'])}\n[1.0 - 2.0] Ses02M_script01_1_M001`,
      },
      message: /Session2\/dialog\/EmoEvaluation\/Ses02M_script01_1\.txt line 6 is not an EmoEvaluation line/,
    },
    {
      name: 'session folders without label files',
      files: { 'IEMOCAP_full_release/Session3/sentences/wav/x/Ses03F_impro01_F000.wav': null },
      message: /No IEMOCAP label files \(.*IEMOCAP_full_release\/Session<n>/,
    },
    {
      name: 'IEMOCAP where every clip is xxx',
      files: { 'iemocap.csv': ',FileName,Sentences,Label\n0,Ses01F_impro01_F000,Hm.,xxx\n' },
      message: /No usable clips/,
    },
  ])('refuses $name', async ({ files, message }) => {
    await expect(read(tree(files))).rejects.toThrow(message);
  });
});
