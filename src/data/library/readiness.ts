/**
 * Whether the library can train a head with a given label list: the guard rails the page shows before a run and
 * the worker enforces at its start, in one place.
 */
import type { LibraryClip, SplitName } from './library-types';

export interface Readiness {
  /** Problems that stop a run (sentences). */
  readonly errors: readonly string[];
  /** Things a person should know that do not stop it (sentences). */
  readonly notices: readonly string[];
  /** Clips per split that a run would use (label in the list). */
  readonly counts: Readonly<Record<SplitName, number>>;
  /** Training clips per label, in label order. */
  readonly trainPerLabel: readonly number[];
}

/**
 * Checks the clips that a run over `labels` would use. `splits` is the effective split of every clip
 * (`effectiveSplits`); clips with other labels or none are counted out, never trained on.
 */
export function trainingReadiness(
  clips: readonly LibraryClip[],
  splits: ReadonlyMap<string, SplitName>,
  labels: readonly string[],
  minClipsPerLabel: number,
): Readiness {
  const used = clips.filter((c) => c.label !== null && labels.includes(c.label));
  const split = (c: LibraryClip): SplitName => splits.get(c.id) ?? 'train';
  const counts: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  for (const c of used) counts[split(c)] += 1;
  const train = used.filter((c) => split(c) === 'train');
  const trainPerLabel = labels.map((l) => train.filter((c) => c.label === l).length);
  const errors: string[] = [];
  const notices: string[] = [];
  const withClips = labels.filter((_, i) => (trainPerLabel[i] ?? 0) > 0);
  if (labels.length < 2) errors.push(`Training needs at least two labels; the label set has ${String(labels.length)}.`);
  else if (train.length === 0)
    errors.push(
      'There are no training clips with a label of the active set: record or import some, or label the clips you have.',
    );
  else if (withClips.length < 2)
    errors.push(`Only "${withClips[0] ?? ''}" has training clips; a classifier needs clips of at least two labels.`);
  const short = labels.map((l, i) => ({ l, n: trainPerLabel[i] ?? 0 })).filter((x) => x.n < minClipsPerLabel);
  if (errors.length === 0 && short.length > 0) {
    errors.push(
      `Each label needs at least ${String(minClipsPerLabel)} training clip(s): ${short.map((x) => `${x.l} has ${String(x.n)}`).join(', ')}. ` +
        'Add clips, or remove the label from the active set.',
    );
  }
  const unlabelled = clips.filter((c) => c.label === null).length;
  const other = clips.length - used.length - unlabelled;
  if (unlabelled > 0) notices.push(`${String(unlabelled)} unlabelled clip(s) are left out.`);
  if (other > 0) notices.push(`${String(other)} clip(s) with labels outside the active set are left out.`);
  if (used.length > 0 && used.every((c) => c.transcript === null))
    notices.push('CTC is off: no clip has a transcript.');
  if (counts.validation === 0 && used.length > 0)
    notices.push('No validation clips: there is no model selection, the last epoch is kept.');
  return { errors, notices, counts, trainPerLabel };
}
