/**
 * What a training run can start from (`TrainSettings.startFrom`): nothing, a head the app ships for the loaded pair
 * (`builtin:<id>`), or a head of the clip library trained on that pair. Only heads sharing a label with the run can
 * start it: the worker maps their classifier by label name and refuses a head that shares none.
 */
import type { StoredHeadInfo } from '../../data/library/library-types';
import { formatMB } from '../../page/load-progress';
import type { HeadEntry } from '../../runtime/manifest';
import type { HeadInfo } from '../../worker-api/protocol';
import { BUILTIN_PREFIX } from '../../worker-api/training-protocol';

/** One choice in the Train screen's "Start from" list. */
export interface StartOption {
  /** The `startFrom` value, or null for a fresh head. */
  readonly value: string | null;
  readonly label: string;
  /** Why the option cannot start this run (it shares no label with it), or null. */
  readonly unusable: string | null;
}

/** A head the run could start from, whatever its origin. */
export interface StartCandidate {
  readonly value: string;
  readonly name: string;
  readonly labels: readonly string[] | null;
  /** Bytes a run starting from it downloads first (a shipped head's training-only file), said before it starts. */
  readonly download?: number | null;
}

/**
 * What starting from a built-in head downloads besides what scoring already did: its training-only file (null when
 * the head ships none, or its size is not known).
 */
function trainingBytes(h: HeadEntry): number | null {
  const ref = h.files.training;
  return ref?.bytes ?? ref?.downloadBytes ?? null;
}

/** Built-in heads of `pair` (their labels are known once read; null until then) and library heads of `pair`. */
export function startCandidates(
  builtin: readonly HeadEntry[],
  library: readonly StoredHeadInfo[],
  pair: string,
  builtinLabels: ReadonlyMap<string, readonly string[]>,
): StartCandidate[] {
  return [
    ...builtin
      .filter((h) => h.pair === pair)
      .map((h) => ({
        value: `${BUILTIN_PREFIX}${h.id}`,
        name: `${h.id} (shipped with the app)`,
        download: trainingBytes(h),
        labels: h.labels ?? builtinLabels.get(h.id) ?? null,
      })),
    ...library
      .filter((h) => h.pair === pair)
      .map((h) => ({ value: h.id, name: `${h.name} (library)`, labels: h.labels })),
  ];
}

/** The list shown for a run on `labels`: nothing first, then each candidate with the labels it carries over. */
export function startOptions(candidates: readonly StartCandidate[], labels: readonly string[]): StartOption[] {
  const options: StartOption[] = [{ value: null, label: 'Nothing (a new head)', unusable: null }];
  for (const c of candidates) {
    const download = c.download == null ? '' : ` (a run first downloads ${formatMB(c.download)} of training weights)`;
    if (c.labels === null) {
      options.push({ value: c.value, label: `${c.name}${download}`, unusable: null });
      continue;
    }
    const carried = labels.filter((l) => c.labels?.includes(l));
    options.push({
      value: c.value,
      label: `${c.name}: carries ${carried.length === 0 ? 'no label' : carried.join(', ')}${download}`,
      unusable: carried.length === 0 ? `${c.name} knows ${c.labels.join(', ')}, none of this run's labels.` : null,
    });
  }
  return options;
}

/** Labels of the built-in heads the worker has loaded (the pair's head, the embedded one), by manifest id. */
export function loadedBuiltinLabels(heads: readonly (HeadInfo | null)[]): Map<string, readonly string[]> {
  const labels = new Map<string, readonly string[]>();
  for (const h of heads) if (h?.builtinId != null) labels.set(h.builtinId, h.labels);
  return labels;
}
