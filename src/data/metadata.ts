/**
 * A dataset folder's `metadata.csv`: `path` (audio path relative to the folder), `emotion`, optional `transcript`,
 * optional `speaker` (or `actor`), optional `augmented_transcript`; other columns are ignored. Shared by the CLI
 * and the browser's folder import.
 */
import { AppError } from '../core/errors';
import { parseCsvFrom, textAfterLine, unclosedQuote, type CsvRow } from './csv';

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

/** A line of metadata.csv that was left out, and why (a sentence that names the line). */
export interface MetadataProblem {
  readonly line: number;
  readonly message: string;
}

/** What metadata.csv lists: the records that could be read and the lines that could not. */
export interface MetadataRead {
  readonly records: ClipRecord[];
  readonly problems: MetadataProblem[];
}

interface Columns {
  readonly path: number;
  readonly emotion: number;
  readonly transcript: number;
  readonly speaker: number;
  readonly augmented: number;
}

function columnsOf(header: readonly string[]): Columns {
  const names = header.map((h) => h.trim().toLowerCase());
  const col = (name: string): number => names.indexOf(name);
  const path = col('path');
  const emotion = col('emotion');
  if (path < 0 || emotion < 0) {
    throw bad(`needs the columns "path" and "emotion" (found: ${names.join(', ') || 'none'})`);
  }
  const speaker = col('speaker') >= 0 ? col('speaker') : col('actor');
  return { path, emotion, transcript: col('transcript'), speaker, augmented: col('augmented_transcript') };
}

/** A reason a row cannot be a clip: `swallowed` when a late-closed quote took in the lines after it. */
interface RowFault {
  readonly fault: string;
  readonly swallowed: boolean;
}

/** One row as a record, or why it cannot be one (words that follow "line N"). */
function recordOf(row: CsvRow, cols: Columns, seen: ReadonlySet<string>): ClipRecord | RowFault {
  const get = (c: number): string => (c < 0 ? '' : (row.fields[c] ?? '').trim());
  const path = get(cols.path).replace(/\\/g, '/');
  const emotion = get(cols.emotion);
  // A path or label holding a line break is a quote closed too late: it has swallowed the lines after it.
  if (/[\r\n]/.test(path) || /[\r\n]/.test(emotion))
    return {
      fault: `: a quoted field runs on to line ${row.endLine} (a missing closing quote?)`,
      swallowed: true,
    };
  const fault = (text: string): RowFault => ({ fault: text, swallowed: false });
  if (path === '') return fault(' has no path');
  if (path.startsWith('/') || path.split('/').includes('..'))
    return fault(`: path "${path}" must stay inside the dataset folder`);
  if (emotion === '') return fault(` (${path}) has no emotion`);
  if (seen.has(path)) return fault(`: "${path}" is listed twice`);
  const transcript = get(cols.transcript);
  const speaker = get(cols.speaker);
  const record: ClipRecord = {
    path,
    emotion,
    transcript: transcript === '' ? null : transcript,
    speaker: cols.speaker < 0 || speaker === '' ? null : speaker,
  };
  const augmented = get(cols.augmented);
  return cols.augmented < 0 ? record : { ...record, augmentedTranscript: augmented === '' ? null : augmented };
}

/**
 * Reads metadata.csv leniently: a line that cannot be a clip (no path, no emotion, a path listed twice, a quote that
 * is never closed or that runs over the lines after it) is reported with its line number and left out, and the lines
 * after it are still read. Throws AppError('bad-dataset') only when nothing can be read: an empty file, or a header
 * without the "path" and "emotion" columns.
 */
export function readMetadata(text: string): MetadataRead {
  const records: ClipRecord[] = [];
  const problems: MetadataProblem[] = [];
  const seen = new Set<string>();
  let cols: Columns | null = null;
  // Parsing restarts after a broken line, so a bad quote costs its own line only.
  let from: number | null = 1;
  while (from !== null) {
    const { rows, unclosedQuoteLine } = parseCsvFrom(textAfterLine(text, from - 1), from);
    from = null;
    for (const row of rows) {
      if (cols === null) {
        cols = columnsOf(row.fields);
        continue;
      }
      const record = recordOf(row, cols, seen);
      if ('fault' in record) {
        problems.push({ line: row.line, message: `line ${row.line}${record.fault}` });
        if (record.swallowed) {
          from = row.line + 1;
          break;
        }
        continue;
      }
      seen.add(record.path);
      records.push(record);
    }
    if (from === null && unclosedQuoteLine !== null) {
      problems.push({ line: unclosedQuoteLine, message: unclosedQuote(unclosedQuoteLine).message });
      from = unclosedQuoteLine + 1;
    }
  }
  if (cols === null) throw bad('the file is empty');
  return { records, problems };
}

/**
 * Parses metadata.csv strictly, as the CLI wants it (a dataset for research must not lose rows quietly): throws
 * AppError('bad-dataset') naming the first line at fault, and how many lines are, or when no clip is listed.
 */
export function parseMetadata(text: string): ClipRecord[] {
  const { records, problems } = readMetadata(text);
  const [first] = problems;
  if (first !== undefined) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more line(s) at fault)` : '';
    throw bad(`${first.message}${more}`);
  }
  if (records.length === 0) throw bad('lists no clips');
  return records;
}
