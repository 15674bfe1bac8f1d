/** RFC 4180 CSV: quoted fields, doubled quotes, commas and newlines inside quotes, CRLF or LF, optional BOM. */
import { AppError } from '../core/errors';

/** One record and the line (1-based) it starts on; a quoted field with newlines makes it span several lines. */
export interface CsvRow {
  readonly line: number;
  readonly fields: string[];
  /** The line it ends on (equal to `line` unless a quoted field holds a newline). */
  readonly endLine: number;
}

/** What the text holds: its records, and where a quote was opened and never closed (null when none was). */
export interface CsvParse {
  readonly rows: CsvRow[];
  /**
   * The line of a quote that is never closed. Everything from that line on would be one field, so it is left out
   * of `rows`: the caller reports the line and may parse what follows it on its own (`parseCsvFrom`).
   */
  readonly unclosedQuoteLine: number | null;
}

/** Parses `text`, numbering lines from `firstLine` (for a part of a longer text). */
export function parseCsvFrom(text: string, firstLine: number): CsvParse {
  const rows: CsvRow[] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = firstLine;
  let rowLine = firstLine;
  let quoteLine = firstLine;
  const endRow = (): void => {
    row.push(field);
    field = '';
    if (row.length > 1 || row[0] !== '') rows.push({ line: rowLine, fields: row, endLine: line });
    row = [];
  };
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const ch = text.charAt(i);
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
      // In "\r\n" the "\n" ends the line.
      if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++;
    } else if (ch === '"' && field.length === 0) {
      quoted = true;
      quoteLine = line;
    } else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else field += ch;
  }
  if (quoted) return { rows, unclosedQuoteLine: quoteLine };
  if (field.length > 0 || row.length > 0) endRow();
  return { rows, unclosedQuoteLine: null };
}

/**
 * The records of `text` as arrays of fields. Throws AppError('bad-dataset') naming the line of a quote that is never
 * closed (see `parseCsvFrom` to read past it instead).
 */
export function parseCsv(text: string): string[][] {
  const { rows, unclosedQuoteLine } = parseCsvFrom(text, 1);
  if (unclosedQuoteLine !== null) throw unclosedQuote(unclosedQuoteLine);
  return rows.map((r) => r.fields);
}

/** The error for a quote opened on `line` and never closed. */
export function unclosedQuote(line: number): AppError {
  return new AppError(
    'bad-dataset',
    `line ${line}: a quote (") opened on this line is never closed, so the rest of the file would be one field`,
  );
}

/** The text after line `line` (1-based), for parsing on past a broken record. */
export function textAfterLine(text: string, line: number): string {
  let at = 0;
  for (let n = 1; n <= line; n++) {
    const next = text.indexOf('\n', at);
    if (next < 0) return '';
    at = next + 1;
  }
  return text.slice(at);
}
