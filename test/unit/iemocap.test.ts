/** IEMOCAP parsing on synthetic text: nothing from the real corpus is in this repository. */
import { describe, expect, it } from 'vitest';
import {
  csvAudioCandidates,
  iemocapEmotion,
  iemocapSpeaker,
  parseEmoEvaluation,
  parseIemocapCsv,
  parseIemocapRelease,
  parseTranscriptions,
  releaseTextFiles,
  releaseWavPath,
} from '../../src/data/iemocap';
import { parseMetadata } from '../../src/data/metadata';

const summary = (start: string, end: string, id: string, code: string): string =>
  `[${start} - ${end}]\t${id}\t${code}\t[2.5000, 2.5000, 2.5000]`;

/** One dialog's EmoEvaluation file in the release's shape, with the per-annotator lines that must be skipped. */
const EVAL = [
  '% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]',
  '',
  summary('6.2901', '8.2357', 'Ses01F_impro01_F000', 'neu'),
  'C-E2:\tNeutral;\t()',
  'C-E3:\tNeutral;\t()',
  'A-E3:\tval 3; act 2; dom  2;\t()',
  '',
  summary('10.0100', '11.3925', 'Ses01F_impro01_M001', 'exc'),
  'C-E1:\tExcited;\t()',
  '',
  summary('14.8872', '18.0175', 'Ses01F_impro01_F002', 'xxx'),
  '',
].join('\n');

const TRANSCRIPT = [
  'Ses01F_impro01_F000 [006.2901-008.2357]: Excuse me.',
  'M-garbage [008.5000-009.0000]: [BREATHING]',
  'Ses01F_impro01_M001 [010.0100-011.3925]: Do you have your forms?',
  '',
].join('\r\n');

const TREE_EVAL = 'IEMOCAP_full_release/Session1/dialog/EmoEvaluation/Ses01F_impro01.txt';
const TREE_TRANSCRIPT = 'IEMOCAP_full_release/Session1/dialog/transcriptions/Ses01F_impro01.txt';
const wav = (id: string): string => `IEMOCAP_full_release/${releaseWavPath(id)}`;
const TREE = [
  TREE_EVAL,
  'IEMOCAP_full_release/Session1/dialog/EmoEvaluation/._Ses01F_impro01.txt',
  TREE_TRANSCRIPT,
  wav('Ses01F_impro01_F000'),
  wav('Ses01F_impro01_M001'),
  wav('Ses01F_impro01_F002'),
  'IEMOCAP_full_release/Session1/sentences/wav/Ses01F_impro01/._Ses01F_impro01_F000.wav',
];

const CSV_HEADER = ',FileName,Sentences,Label,text,AugmentedText';
const csv = (...rows: string[]): string => [CSV_HEADER, ...rows].join('\n');
const everywhere = (): boolean => true;

interface Case {
  readonly name: string;
  readonly run: () => unknown;
  /** The value `run` returns, or the error it throws when a RegExp. */
  readonly want: unknown;
}

const cases: Case[] = [
  // Codes and names.
  {
    name: 'maps the label codes, merging excited into happy',
    run: () => ['neu', 'hap', 'exc', 'ang', 'sad', 'fru', 'sur', 'fea', 'dis', 'oth', 'NEU'].map(iemocapEmotion),
    want: [
      'neutral',
      'happy',
      'happy',
      'angry',
      'sad',
      'frustrated',
      'surprised',
      'fearful',
      'disgust',
      'other',
      'neutral',
    ],
  },
  { name: 'keeps unknown codes verbatim', run: () => iemocapEmotion('bor'), want: 'bor' },
  {
    name: 'takes the speaker from the last segment',
    run: () =>
      ['Ses01F_impro01_F000', 'Ses01F_impro01_M011', 'Ses05M_script02_1_F013', 'clip01', 'Ses01F_impro01'].map(
        iemocapSpeaker,
      ),
    want: ['Ses01F', 'Ses01M', 'Ses05F', null, null],
  },
  {
    name: 'places a wav in the release tree',
    run: () => releaseWavPath('Ses03M_script01_2_M010'),
    want: 'Session3/sentences/wav/Ses03M_script01_2/Ses03M_script01_2_M010.wav',
  },
  {
    name: 'tries the audio locations in order',
    run: () => csvAudioCandidates('Ses01F_impro01_F000'),
    want: [
      'Ses01F_impro01_F000.wav',
      'iemocap_files/Ses01F_impro01_F000.wav',
      'audio/IEMOCAP/iemocap_files/Ses01F_impro01_F000.wav',
      'Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F000.wav',
      'IEMOCAP_full_release/Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F000.wav',
    ],
  },
  // EmoEvaluation and transcriptions.
  {
    name: 'reads EmoEvaluation summary lines only',
    run: () => parseEmoEvaluation(EVAL.replace(/\n/g, '\r\n'), 'E.txt'),
    want: [
      { utterance: 'Ses01F_impro01_F000', code: 'neu' },
      { utterance: 'Ses01F_impro01_M001', code: 'exc' },
      { utterance: 'Ses01F_impro01_F002', code: 'xxx' },
    ],
  },
  {
    name: 'refuses a malformed summary line, naming file and line',
    run: () => parseEmoEvaluation(`${EVAL}\n[6.29 - ]\tSes01F_impro01_F009\tneu`, 'E.txt'),
    want: /E\.txt line 13 is not an EmoEvaluation line.*\[6\.29 - \]/,
  },
  {
    name: 'refuses a stray line',
    run: () => parseEmoEvaluation('%\nsomething else\n', 'E.txt'),
    want: /E\.txt line 2 is not an EmoEvaluation line/,
  },
  {
    name: 'refuses a summary line without an IEMOCAP name',
    run: () => parseEmoEvaluation(summary('1', '2', 'utt7', 'neu'), 'E.txt'),
    want: /E\.txt line 1 .*"\[1 - 2\]\tutt7/,
  },
  {
    name: 'reads transcripts and ignores other lines',
    run: () => [...parseTranscriptions(`${TRANSCRIPT}no brackets here\nSes01F_impro01_F005 [1-2]:\n`)],
    want: [
      ['Ses01F_impro01_F000', 'Excuse me.'],
      ['M-garbage', '[BREATHING]'],
      ['Ses01F_impro01_M001', 'Do you have your forms?'],
    ],
  },
  // The authors' CSV.
  {
    name: 'reads the authors\u2019 CSV with quoted cells',
    run: () =>
      parseIemocapCsv(
        csv(
          '0,Ses01F_impro01_F000,Excuse me.,neu,EXCUSE ME .,Excuse me.',
          '1,Ses01F_impro01_M001,"Well, ""yes"".",exc,"WELL , YES .","Well, yes."',
        ),
        everywhere,
      ),
    want: {
      records: [
        {
          path: 'Ses01F_impro01_F000.wav',
          emotion: 'neutral',
          transcript: 'Excuse me.',
          speaker: 'Ses01F',
          augmentedTranscript: 'Excuse me.',
        },
        {
          path: 'Ses01F_impro01_M001.wav',
          emotion: 'happy',
          transcript: 'Well, "yes".',
          speaker: 'Ses01M',
          augmentedTranscript: 'Well, yes.',
        },
      ],
      noAgreement: 0,
      missingAudio: [],
      noTranscript: 0,
    },
  },
  {
    name: 'finds CSV audio in the first place that exists; drops xxx; reports missing audio',
    run: () => {
      const on = new Set([
        'iemocap_files/Ses02M_impro03_F001.wav',
        'Session2/sentences/wav/Ses02M_impro03/Ses02M_impro03_M002.wav',
      ]);
      return parseIemocapCsv(
        csv(
          '0,Ses02M_impro03_F001.wav,Hi.,ang,,',
          '1,Ses02M_impro03_M002,,sad,,',
          '2,Ses02M_impro03_M003,No.,xxx,,',
          '3,Ses02M_impro03_M004,Go.,fru,,',
        ),
        (p) => on.has(p),
      );
    },
    want: {
      records: [
        {
          path: 'iemocap_files/Ses02M_impro03_F001.wav',
          emotion: 'angry',
          transcript: 'Hi.',
          speaker: 'Ses02F',
          augmentedTranscript: null,
        },
        {
          path: 'Session2/sentences/wav/Ses02M_impro03/Ses02M_impro03_M002.wav',
          emotion: 'sad',
          transcript: null,
          speaker: 'Ses02M',
          augmentedTranscript: null,
        },
      ],
      noAgreement: 1,
      missingAudio: ['Ses02M_impro03_M004'],
      noTranscript: 1,
    },
  },
  {
    name: 'refuses an empty CSV',
    run: () => parseIemocapCsv('', everywhere, 'x/iemocap.csv'),
    want: /x\/iemocap\.csv: the file is empty/,
  },
  {
    name: 'refuses a CSV without FileName/Label',
    run: () => parseIemocapCsv('path,emotion\na.wav,sad\n', everywhere),
    want: /iemocap\.csv: needs the columns "FileName" and "Label" \(found: path, emotion\)/,
  },
  {
    name: 'refuses a row without FileName',
    run: () => parseIemocapCsv(csv('0,,Hi.,neu,,'), everywhere),
    want: /iemocap\.csv line 2 has no FileName/,
  },
  {
    name: 'refuses a name that is not IEMOCAP\u2019s',
    run: () => parseIemocapCsv(csv('0,Ses01F_impro01_F000,a,neu,,', '1,../etc/passwd,Hi.,neu,,'), everywhere),
    want: /line 3: "\.\.\/etc\/passwd" is not an IEMOCAP utterance name/,
  },
  {
    name: 'refuses a name reaching outside the folder',
    run: () => parseIemocapCsv(csv('0,Ses01F_x/../../y_F000,Hi.,neu,,'), everywhere),
    want: /line 2: "Ses01F_x\/\.\.\/\.\.\/y_F000" is not an IEMOCAP/,
  },
  {
    name: 'refuses a row without Label',
    run: () => parseIemocapCsv(csv('0,Ses01F_impro01_F000,Hi.,,,'), everywhere),
    want: /line 2 \(Ses01F_impro01_F000\) has no Label/,
  },
  {
    name: 'refuses a name listed twice',
    run: () => parseIemocapCsv(csv('0,Ses01F_impro01_F000,a,neu,,', '1,Ses01F_impro01_F000,b,sad,,'), everywhere),
    want: /line 3: "Ses01F_impro01_F000" is listed twice/,
  },
  {
    name: 'refuses a CSV with a header only',
    run: () => parseIemocapCsv(`${CSV_HEADER}\n`, everywhere),
    want: /iemocap\.csv lists no utterances/,
  },
  // The release tree.
  {
    name: 'lists the text files a tree needs, skipping resource forks',
    run: () => releaseTextFiles(TREE),
    want: [TREE_EVAL, TREE_TRANSCRIPT],
  },
  {
    name: 'reads a release tree',
    run: () =>
      parseIemocapRelease(
        TREE,
        new Map([
          [TREE_EVAL, EVAL],
          [TREE_TRANSCRIPT, TRANSCRIPT],
        ]),
      ),
    want: {
      records: [
        {
          path: wav('Ses01F_impro01_F000'),
          emotion: 'neutral',
          transcript: 'Excuse me.',
          speaker: 'Ses01F',
          augmentedTranscript: null,
        },
        {
          path: wav('Ses01F_impro01_M001'),
          emotion: 'happy',
          transcript: 'Do you have your forms?',
          speaker: 'Ses01M',
          augmentedTranscript: null,
        },
      ],
      noAgreement: 1,
      missingAudio: [],
      noTranscript: 0,
    },
  },
  {
    name: 'reports missing wavs and absent transcriptions in a tree without a prefix',
    run: () => {
      const paths = ['Session1/dialog/EmoEvaluation/Ses01F_impro01.txt', releaseWavPath('Ses01F_impro01_F000')];
      return parseIemocapRelease(paths, new Map([['Session1/dialog/EmoEvaluation/Ses01F_impro01.txt', EVAL]]));
    },
    want: {
      records: [
        {
          path: releaseWavPath('Ses01F_impro01_F000'),
          emotion: 'neutral',
          transcript: null,
          speaker: 'Ses01F',
          augmentedTranscript: null,
        },
      ],
      noAgreement: 1,
      missingAudio: [releaseWavPath('Ses01F_impro01_M001')],
      noTranscript: 1,
    },
  },
  {
    name: 'refuses an utterance labelled in two files',
    run: () => {
      const other = 'IEMOCAP_full_release/Session1/dialog/EmoEvaluation/Ses01F_impro01b.txt';
      return parseIemocapRelease(
        [...TREE, other],
        new Map([
          [TREE_EVAL, EVAL],
          [other, summary('1', '2', 'Ses01F_impro01_F000', 'sad')],
        ]),
        '/d/',
      );
    },
    want: /\/d\/IEMOCAP_full_release\/.*Ses01F_impro01b\.txt: Ses01F_impro01_F000 is already labelled in \/d\/.*Ses01F_impro01\.txt/,
  },
  {
    name: 'refuses a tree without label files',
    run: () => parseIemocapRelease([wav('Ses01F_impro01_F000')], new Map(), '/d/'),
    want: /No IEMOCAP label files \(\/d\/Session<n>\/dialog\/EmoEvaluation/,
  },
  {
    name: 'refuses label text that was not supplied',
    run: () => parseIemocapRelease(TREE, new Map()),
    want: /Ses01F_impro01\.txt was listed but its text was not supplied/,
  },
  // The optional column metadata.csv gains.
  {
    name: 'reads metadata.csv\u2019s augmented_transcript column',
    run: () =>
      parseMetadata('path,emotion,augmented_transcript\na.wav,sad,Hi there\nb.wav,sad,\n').map(
        (r) => r.augmentedTranscript,
      ),
    want: ['Hi there', null],
  },
  {
    name: 'leaves augmentedTranscript out without that column',
    run: () => 'augmentedTranscript' in (parseMetadata('path,emotion\na.wav,sad\n')[0] ?? {}),
    want: false,
  },
];

describe('IEMOCAP parsing', () => {
  it.each(cases)('$name', ({ run, want }) => {
    if (want instanceof RegExp) expect(run).toThrow(want);
    else expect(run()).toEqual(want);
  });
});
