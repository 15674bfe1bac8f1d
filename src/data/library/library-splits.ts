/**
 * The library's train/validation/test assignment. A clip set by hand keeps its split; the rest are assigned
 * speaker by speaker (a voice is never on both sides), from a seeded hash of each speaker, so adding clips moves
 * only the few speakers at the fill boundaries instead of reshuffling the library. `src/data/splits.ts` is the
 * CLI's variant for dataset folders.
 */
import { mulberry32, seedFor } from '../../core/rng';
import type { LibraryClip, SplitName } from './library-types';

/** Options of `effectiveSplits`; fractions are of the clips. */
export interface SplitOptions {
  /** Default 0. */
  readonly seed?: number;
  /** Default 0.2. */
  readonly validation?: number;
  /** Default 0.2; used only with 3 or more speakers. */
  readonly test?: number;
}

/** Every clip's split, and sentences explaining where the assignment had to compromise. */
export interface EffectiveSplits {
  readonly splits: Map<string, SplitName>;
  readonly notes: string[];
}

type Clip = Pick<LibraryClip, 'id' | 'label' | 'speaker' | 'split'>;

const ORDER: readonly SplitName[] = ['train', 'validation', 'test'];

/** A well-mixed number in [0, 1) for `key` (FNV-1a alone keeps too much order between "01", "02", ...). */
const rank = (seed: number, key: string): number => mulberry32(seedFor(seed, key))();

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** The split a speaker's clips set by hand point to: the most common (train first on a tie). */
function pinOf(manual: readonly SplitName[]): SplitName | null {
  let best: SplitName | null = null;
  let bestCount = 0;
  for (const split of ORDER) {
    const n = manual.filter((s) => s === split).length;
    if (n > bestCount) [best, bestCount] = [split, n];
  }
  return best;
}

/**
 * Per-clip assignment for clips without a usable speaker: each label's clips in seeded-hash order, the first
 * `round(n * test)` to test, the next `round(n * validation)` to validation, the rest (always at least one clip
 * from 3 clips up) to train.
 */
function perClip(
  clips: readonly Clip[],
  seed: number,
  test: number,
  validation: number,
  out: Map<string, SplitName>,
): void {
  const groups = new Map<string | null, Clip[]>();
  for (const c of clips) groups.set(c.label, [...(groups.get(c.label) ?? []), c]);
  for (const group of groups.values()) {
    const n = group.length;
    const order = group
      .map((c) => ({ c, r: rank(seed, `clip:${c.id}`) }))
      .sort((a, b) => a.r - b.r || a.c.id.localeCompare(b.c.id));
    let nTest = Math.round(n * test);
    let nVal = Math.round(n * validation);
    if (n >= 3 && nTest + nVal >= n) {
      nTest = Math.max(0, Math.min(nTest, n - 1 - nVal));
      nVal = Math.min(nVal, n - 1 - nTest);
    }
    order.forEach(({ c }, i) => out.set(c.id, i < nTest ? 'test' : i < nTest + nVal ? 'validation' : 'train'));
  }
}

/**
 * Assigns every clip a split. Clips with `split` set keep it, and pin their speaker's other clips there. The other
 * speakers, ranked by a hash of (seed, speaker), fill test up to `test` of the speaker-tagged clips, then
 * validation, then train; test and validation each get a speaker and train keeps one whenever there are enough
 * speakers. With 2 speakers there is no test split and the one with fewer clips validates; with 1 speaker its
 * clips are split one by one into train and validation. Clips without a speaker are split one by one (see `notes`).
 *
 * Stability: adding a speaker changes no other speaker's split except at the fill boundaries; when every speaker
 * has the same number of clips, at most one speaker per boundary (two in all) moves.
 */
export function effectiveSplits(clips: readonly Clip[], options: SplitOptions = {}): EffectiveSplits {
  const seed = options.seed ?? 0;
  const fVal = options.validation ?? 0.2;
  const fTestAsked = options.test ?? 0.2;
  const splits = new Map<string, SplitName>();
  const notes: string[] = [];

  const bySpeaker = new Map<string, Clip[]>();
  const untagged: Clip[] = [];
  for (const c of clips) {
    if (c.split !== null) splits.set(c.id, c.split);
    if (c.speaker === null || c.speaker.trim() === '') {
      if (c.split === null) untagged.push(c);
    } else {
      bySpeaker.set(c.speaker, [...(bySpeaker.get(c.speaker) ?? []), c]);
    }
  }
  const speakers = [...bySpeaker.keys()];
  const fTest = speakers.length >= 3 ? fTestAsked : 0;

  if (speakers.length === 1) {
    notes.push(
      'Only 1 speaker: no test split, and validation clips come from the same voice as the training clips, so validation scores will look better than they would on a new voice.',
    );
    perClip(
      [...bySpeaker.values()].flat().filter((c) => c.split === null),
      seed,
      0,
      fVal,
      splits,
    );
  } else if (speakers.length >= 2) {
    assignSpeakers(bySpeaker, seed, fTest, fVal, splits, notes);
  }
  if (speakers.length === 2) {
    const validating = speakers.filter((s) => (bySpeaker.get(s) ?? []).some((c) => splits.get(c.id) === 'validation'));
    notes.push(
      `Only 2 speakers: no test split; ${validating.map((s) => `speaker "${s}"`).join(' and ') || 'neither speaker'} ${validating.length === 1 ? 'is' : 'are'} the validation split. Add clips of a third speaker for a test split.`,
    );
  }

  if (untagged.length > 0) {
    perClip(untagged, seed, fTest, fVal, splits);
    notes.push(
      speakers.length === 0
        ? `No clip has a speaker: the ${plural(untagged.length, 'clip is', 'clips are')} split one by one into training and validation (no test split), so validation scores include voices seen in training.`
        : `${plural(untagged.length, 'clip has', 'clips have')} no speaker: they are split one by one, so their validation${fTest > 0 ? ' and test' : ''} scores may include voices seen in training.`,
    );
  }
  return { splits, notes };
}

/** Speaker-disjoint fill for 2 or more speakers (see `effectiveSplits`). */
function assignSpeakers(
  bySpeaker: Map<string, Clip[]>,
  seed: number,
  fTest: number,
  fVal: number,
  out: Map<string, SplitName>,
  notes: string[],
): void {
  const total = [...bySpeaker.values()].reduce((n, list) => n + list.length, 0);
  /** Clips of pinned speakers per split. */
  const count: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  const speakersIn: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  const free: { speaker: string; clips: Clip[]; r: number }[] = [];
  for (const [speaker, list] of bySpeaker) {
    const manual = list.flatMap((c) => (c.split === null ? [] : [c.split]));
    const pin = pinOf(manual);
    if (pin === null) {
      free.push({ speaker, clips: list, r: rank(seed, `speaker:${speaker}`) });
      continue;
    }
    if (new Set(manual).size > 1) {
      notes.push(
        `Speaker "${speaker}" has clips set by hand to more than one split; the rest of their clips go to ${pin}, so the splits are not fully speaker-independent.`,
      );
    }
    for (const c of list) if (c.split === null) out.set(c.id, pin);
    count[pin] += list.length;
    speakersIn[pin]++;
  }
  free.sort((a, b) => a.r - b.r || a.speaker.localeCompare(b.speaker));
  if (fTest === 0 && free.length === 2 && bySpeaker.size === 2) {
    // Two voices: the smaller one validates, so training keeps the larger.
    free.sort((a, b) => a.clips.length - b.clips.length || a.r - b.r);
  }
  // Each free speaker's split depends only on where its clips start along the ranked list, compared with two
  // thresholds that grow smoothly with the library; so a new speaker moves only those near a threshold.
  const needTest = Math.max(0, fTest * total - count.test);
  const needVal = Math.max(0, fVal * total - count.validation);
  const chosen = new Map<string, SplitName>();
  let start = 0;
  for (const s of free) {
    const split: SplitName = start < needTest ? 'test' : start < needTest + needVal ? 'validation' : 'train';
    chosen.set(s.speaker, split);
    start += s.clips.length;
    speakersIn[split]++;
  }
  const move = (s: (typeof free)[number], to: SplitName): void => {
    const from = chosen.get(s.speaker) ?? 'train';
    chosen.set(s.speaker, to);
    speakersIn[from]--;
    speakersIn[to]++;
  };
  // Training needs a voice: take the largest automatic speaker back if the fill gave every one away.
  if (speakersIn.train === 0) {
    const largest = [...free].sort((a, b) => b.clips.length - a.clips.length || a.r - b.r)[0];
    if (largest !== undefined) move(largest, 'train');
  }
  // Then an empty evaluation split takes the smallest speaker of a split that can spare one (training first).
  for (const split of fTest > 0 ? (['validation', 'test'] as const) : (['validation'] as const)) {
    if (speakersIn[split] > 0) continue;
    const donor = ORDER.find((d) => d !== split && speakersIn[d] >= 2 && free.some((s) => chosen.get(s.speaker) === d));
    const smallest = free
      .filter((s) => chosen.get(s.speaker) === donor)
      .sort((a, b) => a.clips.length - b.clips.length || a.r - b.r)[0];
    if (smallest !== undefined) move(smallest, split);
  }
  for (const s of free) for (const c of s.clips) out.set(c.id, chosen.get(s.speaker) ?? 'train');
}

/** Clips per split: in all, unlabelled, and per label. */
export interface SplitCount {
  total: number;
  unlabelled: number;
  labels: Record<string, number>;
}

/** Counts clips per split and label (clips missing from `splits` are not counted). */
export function splitCounts(
  clips: readonly Pick<LibraryClip, 'id' | 'label'>[],
  splits: ReadonlyMap<string, SplitName>,
): Record<SplitName, SplitCount> {
  const out: Record<SplitName, SplitCount> = {
    train: { total: 0, unlabelled: 0, labels: {} },
    validation: { total: 0, unlabelled: 0, labels: {} },
    test: { total: 0, unlabelled: 0, labels: {} },
  };
  for (const c of clips) {
    const split = splits.get(c.id);
    if (split === undefined) continue;
    const entry = out[split];
    entry.total++;
    if (c.label === null) entry.unlabelled++;
    else entry.labels[c.label] = (entry.labels[c.label] ?? 0) + 1;
  }
  return out;
}
