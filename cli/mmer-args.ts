/** What the `npm run mmer` commands share: the usage text, warnings and number/list options. */
import { AppError } from '../src/core/errors';
import { MODEL_SOURCE_USAGE } from './model-source';

/** The usage text of every `npm run mmer` command. */
export const USAGE = `usage:
  npm run mmer -- train --data DIR --encoders lite|base|fixture --out DIR [--val-speakers S1,S2] [--labels a,b,...]
                        [--epochs N] [--batch N] [--lr X] [--seed N] [--patience N] [--encoder-layers K] [--force]
                        [--threads N]
                        [--utterance-dropout X] [--lr-decay none|cosine] [--spec-augment] [--average-decay D]
                        (--val-speakers none: train on every clip, no validation)
  npm run mmer -- cv --data DIR [--encoders lite] [--folds 4] [--epochs N] [--out report.json] [--spec-augment]
                     [--profile-clips 4,8,16] [--lr-decay none|cosine] [--utterance-dropout X] [--augmented-examples] [--average-decay D]
  npm run mmer -- eval --head DIR --data DIR [--json] [--adapt-speakers]
  npm run mmer -- predict --head DIR [--json] [--adapt-speakers] FILE.wav...
every command also takes ${MODEL_SOURCE_USAGE}: another manifest.json, another host for its hub models`;

/** Prints a warning line on stderr. */
export const warn = (line: string): void => void process.stderr.write(`warning: ${line}\n`);
/** A comma-separated option as a list (absent: null). */
export const list = (s: string | undefined): string[] | null =>
  s === undefined
    ? null
    : s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0);

/** A non-negative number option, `fallback` when absent. */
export function num(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new AppError('bad-dataset', `--${name} must be a non-negative number (got "${value}").`);
  return n;
}
