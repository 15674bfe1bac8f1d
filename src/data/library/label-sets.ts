/**
 * Pure label-set editing. A label set's order is the head's logit order, so every helper returns a new set and
 * never reorders anything it was not asked to. Clips whose label falls outside the set are flagged, never dropped:
 * a person may be halfway through renaming a label.
 */
import { AppError } from '../../core/errors';
import type { LabelDef, LabelSet, LibraryClip } from './library-types';

/**
 * Colours for new labels: the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies),
 * then a few darker extras. Each is dark or saturated enough to read on a white page.
 */
export const LABEL_PALETTE: readonly string[] = [
  '#e69f00',
  '#0072b2',
  '#d55e00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#8a7a00',
  '#6c757d',
  '#5f3dc4',
  '#a61e4d',
  '#2b8a3e',
  '#862e9c',
];

/** The IEMOCAP-4 set every library starts with (the paper's four classes, in the authors' order). */
export const BUILTIN_LABEL_SET: LabelSet = {
  id: 'iemocap-4',
  name: 'IEMOCAP-4',
  labels: [
    { name: 'neutral', colour: '#6c757d' },
    { name: 'happy', colour: '#e69f00' },
    { name: 'angry', colour: '#d55e00' },
    { name: 'sad', colour: '#0072b2' },
  ],
  builtin: true,
};

const bad = (message: string): AppError => new AppError('bad-dataset', message);

/** What is wrong with a set, as sentences for people; empty when it can be saved. */
export function labelSetProblems(set: LabelSet): string[] {
  const problems: string[] = [];
  if (set.name.trim() === '') problems.push('The label set needs a name.');
  if (set.labels.length === 0) problems.push(`The label set "${set.name}" needs at least one label.`);
  const seen = new Set<string>();
  set.labels.forEach((label, i) => {
    const name = label.name.trim();
    if (name === '') {
      problems.push(`Label ${i + 1} has no name.`);
      return;
    }
    // Case-insensitive: "Happy" and "happy" would be two logits that people cannot tell apart.
    const folded = name.toLowerCase();
    if (seen.has(folded)) problems.push(`The label "${name}" appears more than once.`);
    seen.add(folded);
    if (label.colour.trim() === '') problems.push(`The label "${name}" has no colour.`);
  });
  return problems;
}

function checked(set: LabelSet): LabelSet {
  const problems = labelSetProblems(set);
  if (problems.length > 0) throw bad(problems.join(' '));
  return set;
}

/** First palette colour no label of `labels` uses yet (cycling when all are taken). */
function nextColour(labels: readonly LabelDef[]): string {
  const used = new Set(labels.map((l) => l.colour.toLowerCase()));
  const free = LABEL_PALETTE.find((c) => !used.has(c));
  return free ?? LABEL_PALETTE[labels.length % LABEL_PALETTE.length] ?? '#6c757d';
}

/** A new custom set; colours come from `LABEL_PALETTE` in order. Throws AppError('bad-dataset') when invalid. */
export function newLabelSet(name: string, labelNames: readonly string[], id: string = crypto.randomUUID()): LabelSet {
  const labels: LabelDef[] = [];
  for (const labelName of labelNames) labels.push({ name: labelName.trim(), colour: nextColour(labels) });
  return checked({ id, name: name.trim(), labels, builtin: false });
}

/** An editable copy of any set (the way to start from the built-in one, which cannot be changed in place). */
export function copyLabelSet(set: LabelSet, name: string, id: string = crypto.randomUUID()): LabelSet {
  return checked({ id, name: name.trim(), labels: set.labels.map((l) => ({ ...l })), builtin: false });
}

function indexOfLabel(set: LabelSet, name: string): number {
  const i = set.labels.findIndex((l) => l.name === name);
  if (i < 0) throw bad(`The label set "${set.name}" has no label "${name}".`);
  return i;
}

/** Appends a label with the next free palette colour. */
export function addLabel(set: LabelSet, name: string): LabelSet {
  return checked({ ...set, labels: [...set.labels, { name: name.trim(), colour: nextColour(set.labels) }] });
}

/** Renames a label in place (same position, same colour). Clips keep the old name until they are relabelled. */
export function renameLabel(set: LabelSet, from: string, to: string): LabelSet {
  const i = indexOfLabel(set, from);
  return checked({ ...set, labels: set.labels.map((l, k) => (k === i ? { ...l, name: to.trim() } : l)) });
}

/** Removes a label; clips that carry it become flagged. A set keeps at least one label. */
export function removeLabel(set: LabelSet, name: string): LabelSet {
  const i = indexOfLabel(set, name);
  return checked({ ...set, labels: set.labels.filter((_, k) => k !== i) });
}

/** Moves the label at index `from` to index `to` (both clamped to the list). */
export function moveLabel(set: LabelSet, from: number, to: number): LabelSet {
  const labels = [...set.labels];
  const last = labels.length - 1;
  const a = Math.max(0, Math.min(last, Math.trunc(from)));
  const b = Math.max(0, Math.min(last, Math.trunc(to)));
  const [moved] = labels.splice(a, 1);
  if (moved === undefined) return set;
  labels.splice(b, 0, moved);
  return { ...set, labels };
}

/** Gives a label a new CSS colour. */
export function recolourLabel(set: LabelSet, name: string, colour: string): LabelSet {
  const i = indexOfLabel(set, name);
  return checked({ ...set, labels: set.labels.map((l, k) => (k === i ? { ...l, colour: colour.trim() } : l)) });
}

/** Clips whose label is not in `set` (unlabelled clips are not flagged: they simply do not train). */
export function flaggedClips<T extends Pick<LibraryClip, 'label'>>(clips: readonly T[], set: LabelSet): T[] {
  const names = new Set(set.labels.map((l) => l.name));
  return clips.filter((c) => c.label !== null && !names.has(c.label));
}
