/**
 * The library trainer's side of starting from a trained head (`TrainSettings.startFrom`): fetching the head's files,
 * checking it was trained on the loaded encoders, and mapping its labels onto the run's (src/mmer/warm-start.ts).
 * Also the speaker profiles a run's clips get when the head reads utterance statistics.
 */
import { AppError } from '../core/errors';
import { decodeCheckpoint } from '../mmer/checkpoint';
import type { MmerConfig } from '../mmer/config';
import { adaptExamples } from '../mmer/speaker-adapt';
import type { TrainExample } from '../mmer/trainer';
import { warmStart } from '../mmer/warm-start';
import type { ParamStore } from '../mmer/params';
import type { TrainEvent, TrainSettings } from '../worker-api/training-protocol';
import type { PairIdentity } from '../inference/head-target';
import type { StoredHeadFiles } from '../data/library/library-types';

/** Dropout on the normalised utterance statistics of a fresh head (docs/decisions.md: the embedded head's setting). */
export const UTTERANCE_DROPOUT = 0.3;

/** Where the trainer finds a head's two files by id (a library head, or `builtin:<id>` for a shipped one). */
export interface HeadFileSource {
  readonly identity: PairIdentity;
  readonly headFiles?: (id: string) => Promise<StoredHeadFiles>;
}

/** Training clips with their speaker's profile applied, for a head that reads utterance statistics. */
export function withProfiles(
  config: MmerConfig,
  examples: readonly TrainExample[],
  speakers: readonly string[],
): TrainExample[] {
  return config.utterance === undefined ? [...examples] : adaptExamples(examples, speakers, config.utterance.dim);
}

/**
 * The parameters of a run that starts from head `settings.startFrom`.
 * @throws AppError('training') when the head cannot be had, was trained on other encoders, or shares no label.
 */
export async function warmStartFrom(
  deps: HeadFileSource,
  settings: TrainSettings,
  emit: (e: TrainEvent) => void,
): Promise<{ config: MmerConfig; params: ParamStore }> {
  const id = settings.startFrom ?? '';
  if (deps.headFiles === undefined)
    throw new AppError('training', 'Starting from a trained head is not available here.');
  const files = await deps.headFiles(id).catch((err: unknown) => {
    throw new AppError(
      'training',
      `The head to start from (${id}) could not be read: ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  const names = {
    config: `${id}/config.json`,
    weights: `${id}/model.safetensors`,
    training: `${id}/training.safetensors`,
  };
  const head = decodeCheckpoint(files.configJson, files.weights, names, files.training);
  try {
    const e = head.manifest.encoders;
    const want = deps.identity;
    if (
      e.pair !== want.pair ||
      e.audio !== want.audio ||
      e.text !== want.text ||
      e.hiddenStateLayer !== want.hiddenStateLayer
    ) {
      throw new AppError(
        'training',
        `The head to start from was trained on ${e.audio} + ${e.text} features; the loaded models are ${want.audio} + ${want.text}. Load its pair, or start from nothing.`,
      );
    }
    const start = warmStart(head.manifest.config, await head.params.serialise(), settings.labels, settings.seed);
    const fresh = settings.labels.filter((l) => !start.carried.includes(l));
    if (!head.params.trainable) {
      // An imported head shipped in two parts without its second file: scoring is whole, the training losses' own
      // layers are not, so the run says they start from nothing.
      emit({
        kind: 'notice',
        message: `${id} came without ${names.training}: its CTC layer and contrastive projections start from new random weights.`,
      });
    }
    emit({
      kind: 'notice',
      message: `Starting from ${id}: ${start.carried.length} label(s) carried over (${start.carried.join(', ')})${fresh.length > 0 ? `; new: ${fresh.join(', ')}` : ''}.`,
    });
    return { config: start.config, params: start.params };
  } finally {
    head.params.dispose();
  }
}
