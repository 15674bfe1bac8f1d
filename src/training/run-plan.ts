/**
 * What a library run trains on: the clips picked by split after the guard rails, encoded through the feature cache
 * (clips that cannot be encoded are left out and the guard rails checked again), and how much slower than a GPU the
 * engine is when it has none.
 */
import { AppError } from '../core/errors';
import { seedFor } from '../core/rng';
import { trainingReadiness } from '../data/library/readiness';
import { effectiveSplits } from '../data/library/library-splits';
import type { LibraryClip, SplitName } from '../data/library/library-types';
import { estimateSlowdown, measureMatmulRate, WEBGPU_REFERENCE_GFLOPS } from '../mmer/throughput';
import type { TrainExample } from '../mmer/trainer';
import type { OffGpuEstimate, TrainSettings } from '../worker-api/training-protocol';
import { encodeLibraryClips, type ClipEncoding, type ClipToEncode } from './library-features';
import type { TrainControl } from './train-control';

/** The clips a run encodes, clip counts per split, and notices saying what was left out and why. */
export interface RunPlan {
  readonly train: ClipToEncode[];
  readonly validation: ClipToEncode[];
  readonly counts: Record<SplitName, number>;
  readonly notices: string[];
}

/** Times the fallback engine's matmul (a fraction of a second) to say how much slower than a GPU the run will be. */
export async function offGpuEstimate(): Promise<OffGpuEstimate | null> {
  const e = estimateSlowdown(await measureMatmulRate());
  return e === null
    ? null
    : { gflops: e.rate.gflops, low: e.low, high: e.high, reference: { ...WEBGPU_REFERENCE_GFLOPS } };
}

/** Picks a run's clips by split (the splits the library shows) after the guard rails (`trainingReadiness`). */
export async function planRun(deps: ClipEncoding, s: TrainSettings): Promise<RunPlan> {
  const clips = await deps.library.listClips();
  const { splits, notes } = effectiveSplits(clips);
  const ready = trainingReadiness(clips, splits, s.labels, s.minClipsPerLabel);
  if (ready.errors.length > 0) throw new AppError('training', ready.errors.join(' '));
  const used = clips.filter(
    (c): c is LibraryClip & { label: string } => c.label !== null && s.labels.includes(c.label),
  );
  const of = (split: SplitName, augment: boolean): ClipToEncode[] =>
    used
      .filter((c) => (splits.get(c.id) ?? 'train') === split)
      // The augmentation seed is tied to the clip, not its position, so the feature cache survives added clips.
      .map((clip) => ({
        clip,
        label: s.labels.indexOf(clip.label),
        augmentSeed: augment ? seedFor(s.seed, clip.id) : null,
      }));
  const train = of('train', true);
  const notices = [...notes, ...ready.notices];
  if (train.every((t) => t.clip.transcript === null) && used.some((c) => c.transcript !== null))
    notices.push('CTC is off: no training clip has a transcript.');
  return { train, validation: of('validation', false), counts: { ...ready.counts }, notices };
}

/** Encodes a run's clips (features events), leaving out those that cannot be encoded and checking what is left. */
export async function encodePlan(
  deps: ClipEncoding,
  plan: Pick<RunPlan, 'train' | 'validation'>,
  s: TrainSettings,
  gate: () => Promise<void>,
  emit: TrainControl['onEvent'],
): Promise<{ trainSet: TrainExample[]; validationSet: TrainExample[]; trainSpeakers: string[] }> {
  const total = plan.train.length + plan.validation.length;
  const progress =
    (offset: number, cachedBefore: number) =>
    (done: number, _n: number, cached: number): void => {
      emit({ kind: 'features', done: offset + done, total, cached: cachedBefore + cached });
    };
  const train = await encodeLibraryClips(deps, plan.train, { beforeClip: gate, onProgress: progress(0, 0) });
  const validation = await encodeLibraryClips(deps, plan.validation, {
    beforeClip: gate,
    onProgress: progress(plan.train.length, train.cached),
  });
  const skipped = [...train.skipped, ...validation.skipped];
  if (skipped.length > 0) {
    const some = skipped
      .slice(0, 3)
      .map((x) => `${x.clip.name} (${x.reason})`)
      .join(', ');
    emit({
      kind: 'notice',
      message: `${String(skipped.length)} clip(s) could not be encoded and are left out: ${some}${skipped.length > 3 ? ', ...' : ''}.`,
    });
    // The guard rails again, on the clips that are really there.
    const splits = new Map<string, SplitName>([
      ...train.examples.map((e) => [e.clip.id, 'train'] as const),
      ...validation.examples.map((e) => [e.clip.id, 'validation'] as const),
    ]);
    const again = trainingReadiness(
      [...train.examples, ...validation.examples].map((e) => e.clip),
      splits,
      s.labels,
      s.minClipsPerLabel,
    );
    if (again.errors.length > 0) throw new AppError('training', again.errors.join(' '));
  }
  // Clips with no speaker tag share one profile: the person recording is the usual speaker of an untagged clip.
  const trainSpeakers = train.examples.map((e) => e.clip.speaker ?? '');
  return {
    trainSet: train.examples.map((e) => e.example),
    validationSet: validation.examples.map((e) => e.example),
    trainSpeakers,
  };
}
