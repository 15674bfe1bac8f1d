/**
 * A dataset folder for the CLI: metadata.csv (or one of IEMOCAP's layouts) checked against the disk and the label
 * list, clips read and encoded with a progress bar. Problems are reported per clip and skipped; a dataset with nothing
 * usable is an error.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../src/core/errors';
import { parseMetadata, type ClipRecord } from '../src/data/metadata';
import { buildExample } from '../src/training/examples';
import type { TrainExample } from '../src/mmer/trainer';
import type { EncoderPair } from '../src/inference/load-encoders';
import { progressBar, readClip } from './audio-file';
import { IEMOCAP_CSV, IEMOCAP_RELEASE, readIemocapDir, readText } from './iemocap-fs';

/** Reads DIR/metadata.csv, reporting listed files that are missing; null when the folder has none. */
async function readMetadataDir(
  dir: string,
  warn: (line: string) => void,
  info: (line: string) => void,
): Promise<ClipRecord[] | null> {
  const csvPath = join(dir, 'metadata.csv');
  if (!existsSync(csvPath)) return null;
  const all = parseMetadata(await readText(csvPath));
  info(`reading ${csvPath}: ${all.length} clip(s) listed`);
  const missing = new Set(all.filter((r) => !existsSync(join(dir, r.path))));
  if (missing.size > 0)
    warn(
      `${missing.size} file(s) listed in metadata.csv are missing and skipped, e.g. ${[...missing]
        .slice(0, 3)
        .map((r) => r.path)
        .join(', ')}`,
    );
  return all.filter((r) => !missing.has(r));
}

/**
 * Reads a dataset folder and keeps the clips whose file exists and whose label is known (others are reported).
 * Layouts, first found wins: `metadata.csv`; the MMER authors' `iemocap.csv`; an IEMOCAP release tree
 * (`Session1..5`, directly or under `IEMOCAP_full_release/`). `info` gets one line naming the layout read.
 */
export async function readDataset(
  dir: string,
  labels: readonly string[] | null,
  warn: (line: string) => void,
  info: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
): Promise<{ records: ClipRecord[]; labels: string[] }> {
  const present = (await readMetadataDir(dir, warn, info)) ?? (await readIemocapDir(dir, warn, info));
  if (present === null) {
    throw new AppError(
      'bad-dataset',
      `No metadata.csv in ${dir}, nor IEMOCAP data. Looked for: ${join(dir, 'metadata.csv')} (columns path, emotion, optional transcript ` +
        `and speaker); ${join(dir, IEMOCAP_CSV)} (the MMER authors' list: FileName, Sentences, Label); an IEMOCAP release tree ` +
        `(Session1..Session5 with dialog/EmoEvaluation, in ${dir} or ${join(dir, IEMOCAP_RELEASE)}).`,
    );
  }
  const chosen = labels === null ? [...new Set(present.map((r) => r.emotion))].sort() : [...labels];
  const unknown = present.filter((r) => !chosen.includes(r.emotion));
  if (unknown.length > 0) {
    const names = [...new Set(unknown.map((r) => r.emotion))].join(', ');
    warn(`${unknown.length} clip(s) with labels outside [${chosen.join(', ')}] are skipped (${names})`);
  }
  const records = present.filter((r) => chosen.includes(r.emotion));
  if (records.length === 0)
    throw new AppError(
      'bad-dataset',
      `No usable clips in ${dir}: every listed file is missing or has an unknown label (see the warnings above).`,
    );
  return { records, labels: chosen };
}

/** A classifier needs at least two classes to learn anything. */
export function checkTrainable(dir: string, records: readonly ClipRecord[]): void {
  if (new Set(records.map((r) => r.emotion)).size < 2) {
    throw new AppError(
      'bad-dataset',
      `Training needs at least two emotions; ${dir} has only "${records[0]?.emotion ?? ''}".`,
    );
  }
}

/** Encodes records into examples; unreadable clips are reported and skipped. */
export async function encodeRecords(
  dir: string,
  records: readonly ClipRecord[],
  labels: readonly string[],
  encoders: EncoderPair,
  options: { augment: boolean; seed: number; label: string },
  warn: (line: string) => void,
): Promise<{ examples: TrainExample[]; records: ClipRecord[] }> {
  const bar = progressBar(options.label, records.length);
  const examples: TrainExample[] = [];
  const kept: ClipRecord[] = [];
  for (const [i, r] of records.entries()) {
    try {
      const pcm = await readClip(join(dir, r.path));
      const seed = options.augment ? options.seed * 100_003 + i + 1 : null;
      examples.push(
        await buildExample(
          encoders,
          {
            pcm16k: pcm,
            transcript: r.transcript,
            augmentedTranscript: r.augmentedTranscript ?? null,
            label: labels.indexOf(r.emotion),
          },
          seed,
        ),
      );
      kept.push(r);
    } catch (err) {
      warn(`skipped ${r.path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    bar(i + 1);
  }
  return { examples, records: kept };
}

/** `--average-decay`: the weight-average decay per step (weight-average.ts), or null when absent. */
export function averageDecay(value: string | undefined): number | null {
  if (value === undefined) return null;
  const x = Number(value);
  if (value.trim() === '' || !(x >= 0 && x < 1))
    throw new AppError('bad-dataset', `--average-decay must be a number in [0, 1), e.g. 0.995 (got "${value}").`);
  return x;
}

/** `--lr-decay`: 'cosine' or 'none'. */
export function lrDecay(value: string | undefined): 'cosine' | 'none' {
  if (value === undefined || value === 'none') return 'none';
  if (value === 'cosine') return 'cosine';
  throw new AppError('bad-dataset', `--lr-decay must be none or cosine (got "${value}").`);
}
