/**
 * IEMOCAP folders on disk for the CLI: finds the authors' `iemocap.csv` or a release tree, walks only the parts of
 * the tree that matter (the full release also holds videos and motion capture), and reports what was left out.
 * The parsing itself lives in src/data/iemocap.ts so the browser can reuse it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../src/core/errors';
import { parseIemocapCsv, parseIemocapRelease, releaseTextFiles, type IemocapRead } from '../src/data/iemocap';
import type { ClipRecord } from '../src/data/metadata';

/** The authors' list, read when a folder has no metadata.csv. */
export const IEMOCAP_CSV = 'iemocap.csv';
/** The folder name the corpus unpacks to; a tree is looked for inside it first, then in the folder itself. */
export const IEMOCAP_RELEASE = 'IEMOCAP_full_release';

/** Reads a text file, turning a file-system failure into a message about the dataset. */
export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new AppError('bad-dataset', `Cannot read ${path} (${err instanceof Error ? err.message : String(err)}).`);
  }
}

/** Entries of a directory, or none when it is absent; macOS `._*` resource files are never data. */
function entries(path: string): { name: string; dir: boolean }[] {
  try {
    return readdirSync(path, { withFileTypes: true })
      .filter((e) => !e.name.startsWith('._'))
      .map((e) => ({ name: e.name, dir: e.isDirectory() }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

const sessionDirs = (root: string): string[] =>
  entries(root)
    .filter((e) => e.dir && /^Session[1-9]$/.test(e.name))
    .map((e) => e.name);

/** Relative paths of the files in `rel` (under `dir`), descending `depth` more levels of folders. */
function files(dir: string, rel: string, depth: number): string[] {
  return entries(join(dir, rel)).flatMap((e) =>
    e.dir ? (depth > 0 ? files(dir, `${rel}/${e.name}`, depth - 1) : []) : [`${rel}/${e.name}`],
  );
}

/** `IEMOCAP_full_release/` or `` (the folder itself) when it holds Session<n> folders; null when neither does. */
export function findReleaseRoot(dir: string): string | null {
  for (const prefix of [`${IEMOCAP_RELEASE}/`, '']) if (sessionDirs(join(dir, prefix)).length > 0) return prefix;
  return null;
}

function report(read: IemocapRead, where: string, warn: (line: string) => void): void {
  if (read.noAgreement > 0)
    warn(`${read.noAgreement} utterance(s) labelled xxx (no majority among the annotators) are dropped`);
  if (read.missingAudio.length > 0) {
    warn(
      `${read.missingAudio.length} labelled utterance(s) have no audio ${where} and are skipped, e.g. ${read.missingAudio.slice(0, 3).join(', ')}`,
    );
  }
  if (read.noTranscript > 0) warn(`${read.noTranscript} clip(s) have no transcript and skip the CTC loss`);
}

/**
 * Reads IEMOCAP from `dir`: `iemocap.csv` if present, else a release tree. Returns null when neither exists, so the
 * caller can list every layout it looked for. `info` gets one line naming the layout read.
 */
export async function readIemocapDir(
  dir: string,
  warn: (line: string) => void,
  info: (line: string) => void,
): Promise<ClipRecord[] | null> {
  const csvPath = join(dir, IEMOCAP_CSV);
  if (existsSync(csvPath)) {
    const read = parseIemocapCsv(await readText(csvPath), (rel) => existsSync(join(dir, rel)), csvPath);
    info(`reading IEMOCAP from ${csvPath} (the MMER authors' list): ${read.records.length} utterance(s) with audio`);
    report(read, `in ${dir}, iemocap_files/, audio/IEMOCAP/iemocap_files/ or Session<n>/sentences/wav/`, warn);
    return read.records;
  }
  const prefix = findReleaseRoot(dir);
  if (prefix === null) return null;
  // Parsed relative to the tree's own root so messages name real files; paths are then made relative to `dir`.
  const root = join(dir, prefix);
  const sessions = sessionDirs(root);
  const paths = sessions.flatMap((s) => [
    ...files(root, `${s}/dialog/EmoEvaluation`, 0),
    ...files(root, `${s}/dialog/transcriptions`, 0),
    ...files(root, `${s}/sentences/wav`, 1),
  ]);
  const texts = new Map<string, string>();
  for (const rel of releaseTextFiles(paths)) texts.set(rel, await readText(join(root, rel)));
  const parsed = parseIemocapRelease(paths, texts, `${join(root, '.')}/`);
  const read = {
    ...parsed,
    records: parsed.records.map((r) => ({ ...r, path: `${prefix}${r.path}` })),
    missingAudio: parsed.missingAudio.map((p) => `${prefix}${p}`),
  };
  info(
    `reading the IEMOCAP release tree ${root} (${sessions.join(', ')}): ${read.records.length} utterance(s) with audio`,
  );
  report(read, 'under Session<n>/sentences/wav/', warn);
  return read.records;
}
