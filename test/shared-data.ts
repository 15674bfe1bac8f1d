/** Where the shared RAVDESS clips live: `../shared/data/ravdess` beside the repository (never copied into it). */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const RAVDESS_DIR = process.env.RAVDESS_DIR ?? resolve(REPO_ROOT, '../shared/data/ravdess');

/** Absolute path of a clip given its path relative to the RAVDESS folder; throws a helpful error when absent. */
export function ravdessClip(rel: string): string {
  const path = resolve(RAVDESS_DIR, rel);
  if (!existsSync(path))
    throw new Error(`RAVDESS clip not found: ${path} (set RAVDESS_DIR or put shared/ beside the repo)`);
  return path;
}
