/**
 * Turning chosen or dropped files into library clips: a folder's metadata.csv gives labels, transcripts and
 * speakers; otherwise RAVDESS-style names are labelled from the name. Every file is decoded to 16 kHz mono and
 * checked; a file that cannot be used is reported by name and the rest are still imported.
 */
import { describeWarning } from '../audio/clip-warnings';
import { decodeAudioFile } from '../audio/decode-file';
import { SAMPLE_RATE } from '../audio/rate';
import { checkClip } from '../audio/validate';
import { toErrorInfo, type ErrorInfo } from '../core/errors';
import { planImport } from '../data/folder-import';
import type { NewClip } from '../data/library/library-types';

/** Originals up to this size are kept beside the PCM (so a clip can be exported as recorded); larger ones are not. */
export const ORIGINAL_MAX_BYTES = 1024 * 1024;

/** A file and its path relative to the chosen or dropped folder (the bare name for loose files). */
export interface ImportFile {
  readonly file: File;
  readonly path: string;
}

/** A file and why it was not imported, or why its clip should be read with care. */
export interface FileNote {
  readonly path: string;
  readonly reason: string;
}

/** What an import did, for the person who started it. */
export interface ImportReport {
  /** Clips stored in the library. */
  readonly added: number;
  /** Of those, how many have no label yet. */
  readonly unlabelled: number;
  /** Files that could not be used, with the reason. */
  readonly failed: readonly FileNote[];
  /** Files imported with a warning (cut short, clipped), in words. */
  readonly warned: readonly FileNote[];
  /** Mismatches between metadata.csv and the files, and its lines left out (sentences). */
  readonly problems: readonly string[];
  /** Files that are not audio (besides metadata.csv). */
  readonly ignored: number;
  /**
   * Why storing stopped before the end (a full disk), and how many decoded clips were then not stored; null when
   * every clip was stored. What was stored before stays.
   */
  readonly stopped: { readonly error: ErrorInfo; readonly notStored: number } | null;
}

/** Stores a batch of clips; resolves to the error that stopped it, or null when all were stored. */
export type StoreClips = (clips: readonly NewClip[]) => Promise<ErrorInfo | null>;

/** Clips are stored in batches: a full disk then keeps every earlier batch, and memory holds one batch of audio. */
const BATCH_CLIPS = 8;
const BATCH_BYTES = 4 * 1024 * 1024;

/** The files of an <input type=file> (with webkitRelativePath for a folder pick). */
export function inputFiles(list: FileList | null): ImportFile[] {
  return Array.from(list ?? [], (file) => ({
    file,
    path: file.webkitRelativePath === '' ? file.name : file.webkitRelativePath,
  }));
}

/** The metadata.csv nearest the top of the selection, if any. */
function findMetadata(files: readonly ImportFile[]): ImportFile | null {
  const csvs = files.filter((f) => f.path.split('/').pop()?.toLowerCase() === 'metadata.csv');
  csvs.sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  return csvs[0] ?? null;
}

/**
 * Decodes, checks and stores the files as library clips, in batches (`store`). `onProgress` gets (done, total) after
 * each file. Decoding is sequential, so memory holds one batch of samples at a time. A batch that cannot be stored
 * (a full disk) stops the import: what was stored before stays, and the report says how much was not.
 */
export async function importFiles(
  files: readonly ImportFile[],
  store: StoreClips,
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<ImportReport> {
  const metadata = findMetadata(files);
  const metadataText = metadata === null ? null : await metadata.file.text();
  const plan = planImport(
    files.filter((f) => f !== metadata).map((f) => ({ path: f.path, size: f.file.size })),
    metadataText === null || metadata === null ? null : { text: metadataText, path: metadata.path },
  );
  const byPath = new Map(files.map((f) => [f.path, f.file]));
  const failed: FileNote[] = [];
  const warned: FileNote[] = [];
  const folder = files.some((f) => f.path.includes('/'));
  let batch: NewClip[] = [];
  let batchBytes = 0;
  const done: { added: number; unlabelled: number; stopped: ImportReport['stopped'] } = {
    added: 0,
    unlabelled: 0,
    stopped: null,
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const error = await store(batch);
    if (error === null) {
      done.added += batch.length;
      done.unlabelled += batch.filter((c) => c.label === null).length;
    } else done.stopped = { error, notStored: batch.length };
    batch = [];
    batchBytes = 0;
  };
  for (const [i, item] of plan.items.entries()) {
    if (done.stopped !== null) {
      // Nothing more can be stored; the files left are counted, not decoded.
      done.stopped = { ...done.stopped, notStored: done.stopped.notStored + 1 };
      onProgress(i + 1, plan.items.length);
      continue;
    }
    const file = byPath.get(item.path);
    try {
      if (file === undefined) throw new Error('the file is not in the selection');
      const { pcm, warnings } = await decodeAudioFile(file);
      checkClip(pcm, SAMPLE_RATE);
      for (const w of warnings) warned.push({ path: item.path, reason: describeWarning(w) });
      batch.push({
        name: item.path.split('/').pop() ?? item.path,
        label: item.label,
        transcript: item.transcript,
        transcriptSource: item.transcriptSource,
        speaker: item.speaker,
        split: null,
        source: folder ? 'folder' : 'file',
        pcm,
        original: file.size <= ORIGINAL_MAX_BYTES ? file : null,
      });
      batchBytes += pcm.byteLength;
    } catch (err) {
      failed.push({ path: item.path, reason: toErrorInfo(err).message });
    }
    if (batch.length >= BATCH_CLIPS || batchBytes >= BATCH_BYTES) await flush();
    onProgress(i + 1, plan.items.length);
  }
  await flush();
  return { ...done, failed, warned, problems: plan.problems, ignored: plan.ignored };
}

/** At most this many files are named one by one per kind of trouble; the rest are counted. */
const NAMED_FILES = 5;

/** The import's report as sentences for the person, the problems first. */
export function importLines(report: ImportReport): string[] {
  const lines = [...report.problems];
  const named = (list: ImportReport['failed'], rest: (n: number) => string): void => {
    lines.push(...list.slice(0, NAMED_FILES).map((f) => `${f.path}: ${f.reason}`));
    if (list.length > NAMED_FILES) lines.push(rest(list.length - NAMED_FILES));
  };
  named(report.failed, (n) => `… and ${n} more file(s) could not be read.`);
  named(report.warned, (n) => `… and ${n} more file(s) were imported with a warning.`);
  if (report.stopped !== null)
    lines.push(
      `${report.stopped.notStored} clip(s) were not stored: ${report.stopped.error.message} Import them again once there is room.`,
    );
  if (report.ignored > 0) lines.push(`${report.ignored} file(s) that are not audio were ignored.`);
  if (report.unlabelled > 0)
    lines.push(`${report.unlabelled} clip(s) have no label yet: label them in the list below.`);
  return lines;
}
