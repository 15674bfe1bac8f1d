/**
 * A dataset folder for the CLI: metadata.csv checked against the disk and the label list, clips read and encoded
 * with a progress bar. Problems are reported per clip and skipped; a dataset with nothing usable is an error.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../src/core/errors';
import { parseMetadata, type ClipRecord } from '../src/data/metadata';
import { buildExample } from '../src/mmer/examples';
import type { TrainExample } from '../src/mmer/trainer';
import type { EncoderPair } from '../src/pipeline/load-encoders';
import { progressBar, readClip } from './audio-file';

/** Reads DIR/metadata.csv and keeps the clips whose file exists and whose label is known (others are reported). */
export async function readDataset(dir: string, labels: readonly string[] | null, warn: (line: string) => void): Promise<{ records: ClipRecord[]; labels: string[] }> {
  const csvPath = join(dir, 'metadata.csv');
  let text: string;
  try {
    text = await readFile(csvPath, 'utf8');
  } catch {
    throw new AppError('bad-dataset', `No metadata.csv in ${dir} (expected ${csvPath} with columns path, emotion, optional transcript and speaker).`);
  }
  const all = parseMetadata(text);
  const missing = all.filter((r) => !existsSync(join(dir, r.path)));
  if (missing.length > 0) warn(`${missing.length} file(s) listed in metadata.csv are missing and skipped, e.g. ${missing.slice(0, 3).map((r) => r.path).join(', ')}`);
  const present = all.filter((r) => !missing.includes(r));
  const chosen = labels === null ? [...new Set(present.map((r) => r.emotion))].sort() : [...labels];
  const unknown = present.filter((r) => !chosen.includes(r.emotion));
  if (unknown.length > 0) {
    const names = [...new Set(unknown.map((r) => r.emotion))].join(', ');
    warn(`${unknown.length} clip(s) with labels outside [${chosen.join(', ')}] are skipped (${names})`);
  }
  const records = present.filter((r) => chosen.includes(r.emotion));
  if (records.length === 0) throw new AppError('bad-dataset', `No usable clips in ${dir}: every listed file is missing or has an unknown label.`);
  return { records, labels: chosen };
}

/** A classifier needs at least two classes to learn anything. */
export function checkTrainable(dir: string, records: readonly ClipRecord[]): void {
  if (new Set(records.map((r) => r.emotion)).size < 2) {
    throw new AppError('bad-dataset', `Training needs at least two emotions; ${dir} has only "${records[0]?.emotion ?? ''}".`);
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
      examples.push(await buildExample(encoders, { pcm16k: pcm, transcript: r.transcript, label: labels.indexOf(r.emotion) }, seed));
      kept.push(r);
    } catch (err) {
      warn(`skipped ${r.path}: ${err instanceof Error ? err.message : String(err)}`);
    }
    bar(i + 1);
  }
  return { examples, records: kept };
}
