/**
 * Speaker adaptation without labels: each speaker's utterance statistics are normalised by that speaker's own mean
 * and SD, estimated from that speaker's clips (any clips: their labels are never read). Training uses every training
 * clip of a speaker; in use, the clips a person has recorded so far, or a speaker's clips in a dataset folder.
 * One definition for the CLI (train, eval --adapt-speakers, predict --adapt-speakers) and the page.
 */
import type { FeatureMatrix } from '../encoders/types';
import type { ClipFeatures } from './batch';
import type { MmerConfig } from './config';
import type { TrainExample } from './multitask';
import { applyProfile, fitUtteranceSpec, speakerProfile, type SpeakerProfile } from './utterance';

/** Groups items by speaker, keeping their order. */
function bySpeaker<T>(items: readonly T[], speakers: readonly string[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  items.forEach((item, i) => {
    const s = speakers[i] ?? '';
    const g = groups.get(s);
    if (g === undefined) groups.set(s, [item]);
    else g.push(item);
  });
  return groups;
}

/** One profile per speaker, from that speaker's clips' features. `speakers[i]` is the speaker of `features[i]`. */
export function speakerProfiles(
  features: readonly FeatureMatrix[],
  speakers: readonly string[],
  dim: number,
): Map<string, SpeakerProfile> {
  const out = new Map<string, SpeakerProfile>();
  for (const [speaker, clips] of bySpeaker(features, speakers)) out.set(speaker, speakerProfile(clips, dim));
  return out;
}

/**
 * Clip features with their speaker's profile applied (both views of a training example). The profiles come from the
 * clips themselves unless given (e.g. estimated from a few clips of each speaker, as the page has them).
 */
export function adaptExamples<T extends ClipFeatures>(
  items: readonly T[],
  speakers: readonly string[],
  dim: number,
  profiles: ReadonlyMap<string, SpeakerProfile> = speakerProfiles(
    items.map((e) => e.audio),
    speakers,
    dim,
  ),
): T[] {
  return items.map((e, i) => {
    const p = profiles.get(speakers[i] ?? '') ?? null;
    const adapted = { ...e, audio: applyProfile(e.audio, dim, p) };
    const aug = (e as Partial<TrainExample>).augmented;
    return aug === undefined || aug === null
      ? adapted
      : { ...adapted, augmented: { ...aug, audio: applyProfile(aug.audio, dim, p) } };
  });
}

/**
 * Prepares a run on features that carry utterance statistics: attaches each training speaker's profile and fits the
 * head's normalisation constants on the training clips. A config without `utterance` and features without a prefix
 * pass through unchanged.
 */
export function prepareUtteranceRun(
  config: MmerConfig,
  featureSet: { readonly id: string; readonly dim: number } | null | undefined,
  train: readonly TrainExample[],
  speakers: readonly string[],
  dropout: number,
): { config: MmerConfig; train: TrainExample[] } {
  if (featureSet === null || featureSet === undefined) return { config, train: [...train] };
  const adapted = adaptExamples(train, speakers, featureSet.dim);
  const utterance = fitUtteranceSpec(
    featureSet.id,
    adapted.map((e) => e.audio),
    featureSet.dim,
    dropout,
  );
  return { config: { ...config, utterance }, train: adapted };
}
