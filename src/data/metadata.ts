/**
 * A dataset folder's `metadata.csv`: `path` (audio path relative to the folder), `emotion`, optional `transcript`,
 * optional `speaker` (or `actor`), optional `augmented_transcript`; other columns are ignored. Shared by the CLI
 * and the browser's folder import.
 */
import { AppError } from '../core/errors';
import { parseCsv } from './csv';

export interface ClipRecord {
  /** Path relative to the dataset folder, with forward slashes. */
  readonly path: string;
  readonly emotion: string;
  /** Null when the column is absent or the cell is empty: such clips skip the CTC loss. */
  readonly transcript: string | null;
  /** Null when no speaker/actor column exists. */
  readonly speaker: string | null;
  /**
   * A second wording of the transcript (IEMOCAP's back-translated `AugmentedText`, or metadata.csv's optional
   * `augmented_transcript` column); null for an empty cell. Absent when the source has no such column, so records
   * from plain metadata.csv files keep their original shape.
   */
  readonly augmentedTranscript?: string | null;
}

const bad = (message: string): AppError => new AppError('bad-dataset', `metadata.csv: ${message}`);

/** Parses metadata.csv text; throws AppError('bad-dataset') naming the line and column at fault. */
export function parseMetadata(text: string): ClipRecord[] {
  const rows = parseCsv(text);
  const header = rows[0]?.map((h) => h.trim().toLowerCase());
  if (header === undefined) throw bad('the file is empty');
  const col = (name: string): number => header.indexOf(name);
  const pathCol = col('path');
  const emotionCol = col('emotion');
  if (pathCol < 0 || emotionCol < 0) {
    throw bad(`needs the columns "path" and "emotion" (found: ${header.join(', ') || 'none'})`);
  }
  const transcriptCol = col('transcript');
  const speakerCol = col('speaker') >= 0 ? col('speaker') : col('actor');
  const augmentedCol = col('augmented_transcript');
  const out: ClipRecord[] = [];
  const seen = new Set<string>();
  rows.slice(1).forEach((row, k) => {
    const line = k + 2;
    const get = (c: number): string => (c < 0 ? '' : (row[c] ?? '').trim());
    const path = get(pathCol).replace(/\\/g, '/');
    const emotion = get(emotionCol);
    if (path === '') throw bad(`line ${line} has no path`);
    if (path.startsWith('/') || path.split('/').includes('..'))
      throw bad(`line ${line}: path "${path}" must stay inside the dataset folder`);
    if (emotion === '') throw bad(`line ${line} (${path}) has no emotion`);
    if (seen.has(path)) throw bad(`line ${line}: "${path}" is listed twice`);
    seen.add(path);
    const transcript = get(transcriptCol);
    const speaker = get(speakerCol);
    const record: ClipRecord = {
      path,
      emotion,
      transcript: transcript === '' ? null : transcript,
      speaker: speakerCol < 0 || speaker === '' ? null : speaker,
    };
    const augmented = get(augmentedCol);
    out.push(augmentedCol < 0 ? record : { ...record, augmentedTranscript: augmented === '' ? null : augmented });
  });
  if (out.length === 0) throw bad('lists no clips');
  return out;
}
