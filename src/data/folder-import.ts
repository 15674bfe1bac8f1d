/**
 * Planning a multi-file or folder import before anything is decoded: which files become clips, with which label,
 * transcript and speaker, and what does not add up. A folder's metadata.csv is the authority when present;
 * otherwise RAVDESS-style names label themselves and other audio comes in unlabelled.
 */
import { AUDIO_EXTENSIONS } from '../audio/decode-file';
import type { TranscriptSource } from './library/library-types';
import { AppError } from '../core/errors';
import { readMetadata, type MetadataProblem } from './metadata';
import { parseRavdessName } from './ravdess';

/** Extensions taken as audio (lower case, without the dot): the ones the file decoder accepts. */
const EXTENSIONS: readonly string[] = AUDIO_EXTENSIONS;

/** A file as the browser lists it: `webkitRelativePath` for a folder pick, the bare name otherwise. */
export interface ImportFileInfo {
  readonly path: string;
  readonly size: number;
}

/** One file to decode and add. `path` is the file's path exactly as given, so the caller can find the file. */
export interface ImportItem {
  readonly path: string;
  readonly label: string | null;
  readonly transcript: string | null;
  readonly transcriptSource: TranscriptSource | null;
  readonly speaker: string | null;
}

/** What an import will do. */
export interface ImportPlan {
  readonly items: ImportItem[];
  /** Mismatches between metadata.csv and the files, as sentences for people. */
  readonly problems: string[];
  /** Files left out because they are not audio (metadata.csv itself is not counted). */
  readonly ignored: number;
}

/**
 * metadata.csv's text, or its text and its own path in the selection (its folder is what its paths are relative
 * to). Given the text alone, that folder is inferred from where the listed files are found.
 */
export type ImportMetadata = string | { readonly text: string; readonly path: string } | null;

const slashes = (path: string): string => path.replace(/\\/g, '/').replace(/^(\.\/|\/)+/, '');
const baseName = (path: string): string => path.split('/').pop() ?? path;
const isMetadataFile = (path: string): boolean => baseName(path).toLowerCase() === 'metadata.csv';

/** True when the path ends in one of `AUDIO_EXTENSIONS` (any case). */
export function isAudioPath(path: string): boolean {
  const name = baseName(slashes(path));
  const dot = name.lastIndexOf('.');
  return dot > 0 && EXTENSIONS.includes(name.slice(dot + 1).toLowerCase());
}

/** `"a", "b" and "c"` from up to three examples. */
function examples(paths: readonly string[]): string {
  const shown = paths.slice(0, 3).map((p) => `"${p}"`);
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1] ?? ''}`;
}

function countSentence(paths: readonly string[], one: string, many: string): string {
  const lead = paths.length === 1 ? `1 ${one}` : `${paths.length} ${many}`;
  return `${lead}${paths.length > 3 ? ', for example ' : ': '}${examples(paths)}.`;
}

/**
 * The folder metadata.csv sits in when only its text is known: the prefix that lines up the most listed paths
 * with the files (shortest on a tie, so a stray nested copy does not win).
 */
function inferPrefix(paths: readonly string[], listed: readonly string[]): string {
  const votes = new Map<string, number>();
  const listedSet = new Set(listed);
  for (const path of paths) {
    // Every suffix of the path made of whole segments is a possible listed path.
    const parts = path.split('/');
    for (let i = 0; i < parts.length; i++) {
      if (!listedSet.has(parts.slice(i).join('/'))) continue;
      const prefix = parts
        .slice(0, i)
        .map((p) => `${p}/`)
        .join('');
      votes.set(prefix, (votes.get(prefix) ?? 0) + 1);
    }
  }
  let best = '';
  let bestVotes = 0;
  for (const [prefix, n] of votes) {
    if (n > bestVotes || (n === bestVotes && prefix.length < best.length)) [best, bestVotes] = [prefix, n];
  }
  return best;
}

function planWithoutMetadata(audio: readonly ImportFileInfo[]): ImportItem[] {
  return audio.map((file) => {
    const ravdess = parseRavdessName(slashes(file.path));
    if (ravdess === null)
      return { path: file.path, label: null, transcript: null, transcriptSource: null, speaker: null };
    return {
      path: file.path,
      label: ravdess.emotion,
      transcript: ravdess.transcript,
      transcriptSource: 'filename',
      speaker: ravdess.speaker,
    };
  });
}

/** At most this many faulty metadata.csv lines are named one by one; the rest are counted. */
const NAMED_LINES = 5;

function metadataProblems(problems: readonly MetadataProblem[]): string[] {
  const named = problems.slice(0, NAMED_LINES).map((p) => `metadata.csv ${p.message}: that line was left out.`);
  const more = problems.length - named.length;
  if (more > 0) named.push(`${more} more line(s) of metadata.csv could not be read and were left out.`);
  return named;
}

function planWithMetadata(
  files: readonly ImportFileInfo[],
  metadata: Exclude<ImportMetadata, null>,
): Pick<ImportPlan, 'items' | 'problems'> {
  const text = typeof metadata === 'string' ? metadata : metadata.text;
  const { records, problems: lineProblems } = readMetadata(text);
  if (records.length === 0) {
    const why = lineProblems.length === 0 ? '' : `: ${lineProblems.map((p) => p.message).join('; ')}`;
    throw new AppError('bad-dataset', `metadata.csv lists no clip that can be imported${why}.`);
  }
  const normalised = files.map((f) => ({ file: f, path: slashes(f.path) }));
  let prefix: string;
  if (typeof metadata === 'string') {
    prefix = inferPrefix(
      normalised.map((f) => f.path),
      records.map((r) => r.path),
    );
  } else {
    const at = slashes(metadata.path);
    prefix = at.includes('/') ? at.slice(0, at.lastIndexOf('/') + 1) : '';
  }
  const exact = new Map<string, ImportFileInfo>();
  // CSVs written on case-insensitive file systems often differ from the real names in case only.
  const folded = new Map<string, ImportFileInfo>();
  for (const { file, path } of normalised) {
    if (!path.startsWith(prefix)) continue;
    const relative = path.slice(prefix.length);
    exact.set(relative, file);
    if (!folded.has(relative.toLowerCase())) folded.set(relative.toLowerCase(), file);
  }
  const items: ImportItem[] = [];
  const used = new Set<ImportFileInfo>();
  const missing: string[] = [];
  for (const record of records) {
    const file = exact.get(record.path) ?? folded.get(record.path.toLowerCase());
    if (file === undefined || used.has(file)) {
      missing.push(record.path);
      continue;
    }
    used.add(file);
    items.push({
      path: file.path,
      label: record.emotion,
      transcript: record.transcript,
      transcriptSource: record.transcript === null ? null : 'metadata',
      speaker: record.speaker,
    });
  }
  const unlisted = files.filter((f) => !used.has(f) && isAudioPath(f.path)).map((f) => f.path);
  const problems: string[] = metadataProblems(lineProblems);
  if (missing.length > 0) {
    problems.push(
      countSentence(
        missing,
        'file listed in metadata.csv is not in the selection',
        'files listed in metadata.csv are not in the selection',
      ),
    );
  }
  if (unlisted.length > 0) {
    problems.push(
      countSentence(
        unlisted,
        'audio file is not listed in metadata.csv and was left out',
        'audio files are not listed in metadata.csv and were left out',
      ),
    );
  }
  return { items, problems };
}

/**
 * Plans an import of `files` (paths as the browser gives them). With metadata.csv, exactly the files it lists
 * become clips, labelled from it; without, every audio file does. metadata.csv may be in `files` or not.
 * Lines of metadata.csv that cannot be read are named in `problems` and the rest imported; throws
 * AppError('bad-dataset') for a metadata.csv of which nothing can be read (no header columns, no readable line).
 */
export function planImport(files: readonly ImportFileInfo[], metadata: ImportMetadata): ImportPlan {
  const candidates = files.filter((f) => !isMetadataFile(slashes(f.path)));
  const ignored = candidates.filter((f) => !isAudioPath(f.path));
  if (metadata === null)
    return {
      items: planWithoutMetadata(candidates.filter((f) => isAudioPath(f.path))),
      problems: [],
      ignored: ignored.length,
    };
  const { items, problems } = planWithMetadata(candidates, metadata);
  // A listed file is taken whatever its extension (the decoder has the last word), so it is not "ignored".
  const taken = new Set(items.map((i) => i.path));
  return { items, problems, ignored: ignored.filter((f) => !taken.has(f.path)).length };
}
