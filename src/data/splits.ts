/**
 * Speaker-disjoint splits and seeded shuffling. A speaker's clips never sit on both sides of a split, so
 * validation measures generalisation to new voices; model selection uses validation, never the test split.
 */
import { AppError } from '../core/errors';
import { mulberry32 } from '../core/rng';
import type { ClipRecord } from './metadata';

/** Fisher-Yates shuffle of a copy, reproducible from `seed`. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rand = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}

export interface Split {
  readonly train: ClipRecord[];
  readonly validation: ClipRecord[];
}

/**
 * Splits clips by speaker. With `validationSpeakers` those speakers form the validation set; otherwise about
 * `fraction` of the speakers (at least one) are drawn with `seed`. Clips without a speaker tag cannot be split
 * safely and raise an error rather than leaking into both sides.
 */
export function speakerSplit(
  clips: readonly ClipRecord[],
  options: { validationSpeakers?: readonly string[]; fraction?: number; seed?: number } = {},
): Split {
  const untagged = clips.filter((c) => c.speaker === null).length;
  if (untagged > 0)
    throw new AppError(
      'bad-dataset',
      `${untagged} clip(s) have no speaker, so a speaker-disjoint validation split is impossible. Add a speaker (or actor) column.`,
    );
  const speakers = [...new Set(clips.map((c) => c.speaker ?? ''))].sort();
  let chosen: Set<string>;
  if (options.validationSpeakers !== undefined) {
    const unknown = options.validationSpeakers.filter((s) => !speakers.includes(s));
    if (unknown.length > 0)
      throw new AppError(
        'bad-dataset',
        `Validation speaker(s) ${unknown.join(', ')} not in the data (speakers: ${speakers.join(', ')}).`,
      );
    chosen = new Set(options.validationSpeakers);
  } else {
    if (speakers.length < 2)
      throw new AppError(
        'bad-dataset',
        `Only one speaker (${speakers[0] ?? 'none'}): a speaker-disjoint validation split needs at least two.`,
      );
    const n = Math.min(speakers.length - 1, Math.max(1, Math.round(speakers.length * (options.fraction ?? 0.2))));
    chosen = new Set(seededShuffle(speakers, options.seed ?? 0).slice(0, n));
  }
  if (chosen.size === speakers.length)
    throw new AppError('bad-dataset', 'Every speaker is in the validation set; nothing is left to train on.');
  return {
    train: clips.filter((c) => !chosen.has(c.speaker ?? '')),
    validation: clips.filter((c) => chosen.has(c.speaker ?? '')),
  };
}
