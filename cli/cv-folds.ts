/** The pieces of `mmer cv` that are plain functions: folds of speakers, few-clip profiles, and pooling fold results. */
import { AppError } from '../src/core/errors';
import { seededShuffle } from '../src/data/splits';
import type { ClassMetrics } from '../src/mmer/metrics';
import { speakerProfiles } from '../src/mmer/speaker-adapt';
import type { TrainExample } from '../src/mmer/trainer';
import type { SpeakerProfile } from '../src/mmer/utterance';

/** The clips plus each clip's augmented view as a labelled clip (its own augmented view being the original). */
export function withViewsAsExamples(train: readonly TrainExample[]): TrainExample[] {
  const views = train.flatMap((e) =>
    e.augmented === null
      ? []
      : [{ ...e, audio: e.augmented.audio, text: e.augmented.text, augmented: { audio: e.audio, text: e.text } }],
  );
  return [...train, ...views];
}

/** Each speaker's profile from `k` of their clips (drawn with `seed`), as the page has after k recordings. */
export function fewClipProfiles(
  examples: readonly TrainExample[],
  speakers: readonly string[],
  dim: number,
  k: number,
  seed: number,
): Map<string, SpeakerProfile> {
  const drawn = seededShuffle(
    examples.map((_, i) => i),
    seed,
  );
  const taken = new Map<string, number[]>();
  for (const i of drawn) {
    const s = speakers[i] ?? '';
    const got = taken.get(s) ?? [];
    if (got.length < k) taken.set(s, [...got, i]);
  }
  const picked = [...taken.values()].flat();
  return speakerProfiles(
    picked.map((i) => examples[i]?.audio ?? { rows: 0, dim: 0, data: new Float32Array(0) }),
    picked.map((i) => speakers[i] ?? ''),
    dim,
  );
}

/** Splits the sorted speakers into `k` contiguous folds of (nearly) equal size. */
export function speakerFolds(speakers: readonly string[], k: number): string[][] {
  const sorted = [...new Set(speakers)].sort();
  if (!Number.isInteger(k) || k < 2 || k > sorted.length)
    throw new AppError('bad-dataset', `--folds must be between 2 and the number of speakers (${sorted.length}).`);
  return Array.from({ length: k }, (_, i) =>
    sorted.slice(Math.round((i * sorted.length) / k), Math.round(((i + 1) * sorted.length) / k)),
  );
}

/** Mean, sample SD, min and max of per-fold figures. */
export const meanSd = (xs: readonly number[]): { mean: number; sd: number; min: number; max: number } => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
};

/** Sums confusion matrices and derives per-class recall and UA/WA from the sum. */
export function pooled(
  ms: readonly ClassMetrics[],
  labels: readonly string[],
): { confusion: number[][]; recall: (number | null)[]; ua: number; wa: number } {
  const confusion = labels.map((_, i) => labels.map((__, j) => ms.reduce((s, m) => s + (m.confusion[i]?.[j] ?? 0), 0)));
  const recall = confusion.map((row, i) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n === 0 ? null : (row[i] ?? 0) / n;
  });
  const present = recall.filter((r): r is number => r !== null);
  const total = confusion.flat().reduce((a, b) => a + b, 0);
  return {
    confusion,
    recall,
    ua: present.reduce((a, b) => a + b, 0) / present.length,
    wa: confusion.reduce((s, row, i) => s + (row[i] ?? 0), 0) / total,
  };
}
