/**
 * IEMOCAP in the two shapes researchers hold it: the MMER authors' `iemocap.csv` (one row per utterance, gold
 * and back-translated text) and the corpus release tree (`Session1..5` with EmoEvaluation label files and
 * transcriptions). Pure text parsing, no file system: callers pass file text plus either an `exists` predicate or
 * the list of relative file paths, so the CLI and the browser's folder import can share it.
 */
import { AppError } from '../core/errors';
import { parseCsv } from './csv';
import type { ClipRecord } from './metadata';

/**
 * IEMOCAP label codes to emotion names. `exc` (excited) maps to happy: MMER, like most IEMOCAP work, merges
 * happy and excited into one class. `xxx` (no majority among annotators) is absent on purpose: such clips are
 * dropped. Codes not listed here are kept verbatim so the label filter can report them.
 */
export const IEMOCAP_EMOTIONS: Readonly<Record<string, string>> = {
  neu: 'neutral',
  hap: 'happy',
  exc: 'happy',
  ang: 'angry',
  sad: 'sad',
  fru: 'frustrated',
  sur: 'surprised',
  fea: 'fearful',
  dis: 'disgust',
  oth: 'other',
};

/** The code annotators' votes produce when no emotion has a majority. */
export const NO_AGREEMENT = 'xxx';

/** What a reader found: usable records plus what it left out, for the caller to report. */
export interface IemocapRead {
  readonly records: ClipRecord[];
  /** Utterances labelled `xxx`, dropped. */
  readonly noAgreement: number;
  /** Utterance names (CSV) or expected wav paths (release) whose audio is absent. */
  readonly missingAudio: string[];
  /** Labelled clips kept without a transcript (they skip the CTC loss). */
  readonly noTranscript: number;
}

const bad = (message: string): AppError => new AppError('bad-dataset', message);

// Captures the session digit and the gender letter opening the last segment. No `/` or `.` may appear, so a name
// from a CSV can never point outside the dataset folder.
const UTTERANCE = /^Ses0([1-9])[FM]_[A-Za-z0-9_-]+_([FM])[A-Za-z0-9-]*$/;

/** Emotion name for an IEMOCAP code; unknown codes come back unchanged. */
export function iemocapEmotion(code: string): string {
  return IEMOCAP_EMOTIONS[code.toLowerCase()] ?? code;
}

/**
 * The speaker of an utterance, or null when the name is not IEMOCAP's: session plus the gender letter of the
 * LAST segment, since in `Ses01F_impro01_M011` the male actor of session 1 speaks although the female one led
 * the dialog. `--val-speakers Ses05F,Ses05M` therefore holds out one whole session.
 */
export function iemocapSpeaker(utterance: string): string | null {
  const m = UTTERANCE.exec(utterance);
  return m ? `Ses0${m[1] ?? ''}${m[2] ?? ''}` : null;
}

/** Where the release tree keeps an utterance's wav: `Session<n>/sentences/wav/<dialog>/<utterance>.wav`. */
export function releaseWavPath(utterance: string): string {
  const dialog = utterance.slice(0, utterance.lastIndexOf('_'));
  return `Session${utterance.charAt(4)}/sentences/wav/${dialog}/${utterance}.wav`;
}

/** Candidate audio locations for a CSV row, relative to the dataset folder, in the order they are tried. */
export function csvAudioCandidates(utterance: string): string[] {
  const file = `${utterance}.wav`;
  return [
    file,
    `iemocap_files/${file}`,
    `audio/IEMOCAP/iemocap_files/${file}`,
    releaseWavPath(utterance),
    `IEMOCAP_full_release/${releaseWavPath(utterance)}`,
  ];
}

/**
 * Parses the authors' `iemocap.csv` (`,FileName,Sentences,Label,text,AugmentedText`; columns found by name, case
 * ignored). `Sentences` is the gold transcript, `AugmentedText` the back-translation. Audio is the first candidate
 * of `csvAudioCandidates` that `exists`. Throws AppError('bad-dataset') naming `source` and the line.
 */
export function parseIemocapCsv(
  text: string,
  exists: (relPath: string) => boolean,
  source = 'iemocap.csv',
): IemocapRead {
  const rows = parseCsv(text);
  const header = rows[0]?.map((h) => h.trim().toLowerCase());
  if (header === undefined) throw bad(`${source}: the file is empty`);
  const col = (name: string): number => header.indexOf(name);
  const nameCol = col('filename');
  const labelCol = col('label');
  if (nameCol < 0 || labelCol < 0) {
    throw bad(
      `${source}: needs the columns "FileName" and "Label" (found: ${header.filter((h) => h !== '').join(', ') || 'none'})`,
    );
  }
  const transcriptCol = col('sentences');
  const augmentedCol = col('augmentedtext');
  const records: ClipRecord[] = [];
  const missingAudio: string[] = [];
  const seen = new Set<string>();
  let noAgreement = 0;
  let noTranscript = 0;
  // Rows, not physical lines: a quoted cell with a newline would shift later numbers, which IEMOCAP text never has.
  rows.slice(1).forEach((row, k) => {
    const at = `${source} line ${k + 2}`;
    const get = (c: number): string => (c < 0 ? '' : (row[c] ?? '').trim());
    const utterance = get(nameCol).replace(/\.wav$/i, '');
    const code = get(labelCol);
    if (utterance === '') throw bad(`${at} has no FileName`);
    if (iemocapSpeaker(utterance) === null)
      throw bad(`${at}: "${utterance}" is not an IEMOCAP utterance name (like Ses01F_impro01_F000)`);
    if (code === '') throw bad(`${at} (${utterance}) has no Label`);
    if (seen.has(utterance)) throw bad(`${at}: "${utterance}" is listed twice`);
    seen.add(utterance);
    if (code.toLowerCase() === NO_AGREEMENT) {
      noAgreement++;
      return;
    }
    const path = csvAudioCandidates(utterance).find(exists);
    if (path === undefined) {
      missingAudio.push(utterance);
      return;
    }
    const transcript = get(transcriptCol);
    const augmented = get(augmentedCol);
    if (transcript === '') noTranscript++;
    records.push({
      path,
      emotion: iemocapEmotion(code),
      transcript: transcript === '' ? null : transcript,
      speaker: iemocapSpeaker(utterance),
      augmentedTranscript: augmented === '' ? null : augmented,
    });
  });
  if (seen.size === 0) throw bad(`${source} lists no utterances`);
  return { records, noAgreement, missingAudio, noTranscript };
}

const lines = (text: string): string[] => text.replace(/^\uFEFF/, '').split(/\r?\n/);

// `[6.2901 - 8.2357]<TAB>Ses01F_impro01_F000<TAB>neu<TAB>[2.5000, 2.5000, 2.5000]`
const SUMMARY = /^\[\s*\d+(?:\.\d+)?\s*-\s*\d+(?:\.\d+)?\s*\]\s+(\S+)\s+(\S+)\s+\[[^\]]*\]$/;

/**
 * The per-utterance summary lines of one EmoEvaluation file, as utterance and raw code. Per-annotator lines
 * (`C-`, `A-`), `%` comments and blank lines are skipped; anything else is an error naming `source` and the line,
 * because a silently skipped summary line would lose a clip without a trace.
 */
export function parseEmoEvaluation(text: string, source: string): { utterance: string; code: string }[] {
  const out: { utterance: string; code: string }[] = [];
  lines(text).forEach((raw, k) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('%') || line.startsWith('C-') || line.startsWith('A-')) return;
    const m = SUMMARY.exec(line);
    const utterance = m?.[1] ?? '';
    if (!m || iemocapSpeaker(utterance) === null) {
      throw bad(
        `${source} line ${k + 1} is not an EmoEvaluation line like "[6.29 - 8.23]<TAB>Ses01F_impro01_F000<TAB>neu<TAB>[2.5, 2.5, 2.5]": "${line.slice(0, 80)}"`,
      );
    }
    out.push({ utterance, code: m[2] ?? '' });
  });
  return out;
}

/**
 * Utterance -> transcript from one transcriptions file (`Ses01F_impro01_F000 [006.2901-008.2357]: Excuse me.`).
 * Lines of another shape are skipped: transcripts are optional, and noise entries (`M-...`, `F-...`) carry no label.
 */
export function parseTranscriptions(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of lines(text)) {
    const m = /^(\S+)\s+\[[^\]]*\]:\s*(.*)$/.exec(raw.trim());
    if (m?.[1] !== undefined && m[2] !== undefined && m[2] !== '') out.set(m[1], m[2]);
  }
  return out;
}

// Any prefix before `Session<n>/`, so a tree read as `IEMOCAP_full_release/...` or from inside it both work.
const EVALUATION = /^((?:.*\/)?)Session([1-9])\/dialog\/EmoEvaluation\/(?!\._)([^/]+)\.txt$/;
const TRANSCRIPTION = /^((?:.*\/)?)Session([1-9])\/dialog\/transcriptions\/(?!\._)([^/]+)\.txt$/;

const isResourceFork = (path: string): boolean => path.split('/').some((part) => part.startsWith('._'));

/** The text files a release tree's reader needs, among the tree's relative paths (macOS `._*` files skipped). */
export function releaseTextFiles(paths: readonly string[]): string[] {
  return paths.filter((p) => !isResourceFork(p) && (EVALUATION.test(p) || TRANSCRIPTION.test(p))).sort();
}

/**
 * Reads a release tree from its relative file `paths` (wavs included) and the `texts` of `releaseTextFiles(paths)`.
 * Labels come from EmoEvaluation, transcripts from the dialog's transcriptions file, audio from `sentences/wav`.
 * `root` (the folder the paths are relative to, e.g. `/data/iemocap/`) only prefixes file names in error messages.
 */
export function parseIemocapRelease(
  paths: readonly string[],
  texts: ReadonlyMap<string, string>,
  root = '',
): IemocapRead {
  const wavs = new Set(paths.filter((p) => p.endsWith('.wav') && !isResourceFork(p)));
  const evaluations = releaseTextFiles(paths).filter((p) => EVALUATION.test(p));
  if (evaluations.length === 0)
    throw bad(`No IEMOCAP label files (${root}Session<n>/dialog/EmoEvaluation/<dialog>.txt) were found.`);
  const records: ClipRecord[] = [];
  const missingAudio: string[] = [];
  const seen = new Map<string, string>();
  let noAgreement = 0;
  let noTranscript = 0;
  for (const file of evaluations) {
    const [, prefix = '', session = '', dialog = ''] = EVALUATION.exec(file) ?? [];
    const text = texts.get(file);
    if (text === undefined) throw new AppError('internal', `${root}${file} was listed but its text was not supplied.`);
    const transcripts = parseTranscriptions(
      texts.get(`${prefix}Session${session}/dialog/transcriptions/${dialog}.txt`) ?? '',
    );
    for (const { utterance, code } of parseEmoEvaluation(text, `${root}${file}`)) {
      const before = seen.get(utterance);
      if (before !== undefined) throw bad(`${root}${file}: ${utterance} is already labelled in ${root}${before}`);
      seen.set(utterance, file);
      if (code.toLowerCase() === NO_AGREEMENT) {
        noAgreement++;
        continue;
      }
      const path = `${prefix}${releaseWavPath(utterance)}`;
      if (!wavs.has(path)) {
        missingAudio.push(path);
        continue;
      }
      const transcript = transcripts.get(utterance) ?? null;
      if (transcript === null) noTranscript++;
      records.push({
        path,
        emotion: iemocapEmotion(code),
        transcript,
        speaker: iemocapSpeaker(utterance),
        augmentedTranscript: null,
      });
    }
  }
  return { records, noAgreement, missingAudio, noTranscript };
}
