/**
 * Turning chosen or dropped files into library clips: a folder's metadata.csv gives labels, transcripts and
 * speakers; otherwise RAVDESS-style names are labelled from the name. Every file is decoded to 16 kHz mono and
 * checked; a file that cannot be used is reported by name and the rest are still imported.
 */
import { decodeAudioFile } from '../audio/decode-file';
import { SAMPLE_RATE } from '../audio/rate';
import { checkClip } from '../audio/validate';
import { toErrorInfo } from '../core/errors';
import { planImport } from '../data/folder-import';
import type { NewClip } from '../data/library/library-types';

/** Originals up to this size are kept beside the PCM (so a clip can be exported as recorded); larger ones are not. */
export const ORIGINAL_MAX_BYTES = 1024 * 1024;

/** A file and its path relative to the chosen or dropped folder (the bare name for loose files). */
export interface ImportFile {
  readonly file: File;
  readonly path: string;
}

/** What an import did, for the person who started it. */
export interface ImportReport {
  readonly clips: NewClip[];
  /** Files that could not be used, with the reason. */
  readonly failed: readonly { readonly path: string; readonly reason: string }[];
  /** Mismatches between metadata.csv and the files (sentences). */
  readonly problems: readonly string[];
  /** Files that are not audio (besides metadata.csv). */
  readonly ignored: number;
}

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
 * Decodes and checks the files into clips ready for `addClips`. `onProgress` gets (done, total) after each file;
 * decoding is sequential so memory holds one file's samples at a time besides the results.
 */
export async function prepareImport(
  files: readonly ImportFile[],
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<ImportReport> {
  const metadata = findMetadata(files);
  const metadataText = metadata === null ? null : await metadata.file.text();
  const plan = planImport(
    files.filter((f) => f !== metadata).map((f) => ({ path: f.path, size: f.file.size })),
    metadataText === null || metadata === null ? null : { text: metadataText, path: metadata.path },
  );
  const byPath = new Map(files.map((f) => [f.path, f.file]));
  const clips: NewClip[] = [];
  const failed: { path: string; reason: string }[] = [];
  const folder = files.some((f) => f.path.includes('/'));
  for (const [i, item] of plan.items.entries()) {
    const file = byPath.get(item.path);
    try {
      if (file === undefined) throw new Error('the file is not in the selection');
      const pcm = await decodeAudioFile(file);
      checkClip(pcm, SAMPLE_RATE);
      clips.push({
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
    } catch (err) {
      failed.push({ path: item.path, reason: toErrorInfo(err).message });
    }
    onProgress(i + 1, plan.items.length);
  }
  return { clips, failed, problems: plan.problems, ignored: plan.ignored };
}
