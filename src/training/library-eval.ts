/**
 * Evaluating a stored head on one split of the clip library: UA, WA, macro-F1, per-class recall, the confusion
 * matrix and every clip's prediction. The head gets its own parameters, so the page's active head is untouched, and
 * the features come through the same cache as training.
 */
import { AppError } from '../core/errors';
import { effectiveSplits } from '../data/library/library-splits';
import type { ClipLibrary, LibraryClip, SplitName } from '../data/library/library-types';
import { decodeCheckpoint } from '../mmer/checkpoint';
import { classMetrics } from '../mmer/metrics';
import { predict } from '../mmer/trainer';
import type { Evaluation } from '../worker-api/training-protocol';
import { headMismatch } from '../inference/emotion-head';
import type { HeadTarget } from '../inference/head-target';
import { encodeLibraryClips, type ClipToEncode } from './library-features';
import type { EncoderPair } from '../inference/load-encoders';

/** What an evaluation needs: the library, the loaded encoders and their features as a head sees them. */
export interface LibraryEvalDeps {
  readonly library: ClipLibrary;
  readonly encoders: EncoderPair;
  readonly target: HeadTarget;
}

/**
 * Evaluates head `headId` of the library on the clips of `split` (the split the library shows, `effectiveSplits`).
 * Clips without one of the head's labels, or whose audio cannot be encoded, are listed in `skipped` with the reason.
 * The engine must be running.
 * @throws AppError('training') for an unknown head or a split with nothing to evaluate; AppError('bad-model') for a
 *   damaged head or one trained on other encoders than the loaded ones.
 */
export async function evaluateHeadOnLibrary(
  deps: LibraryEvalDeps,
  headId: string,
  split: SplitName,
): Promise<Evaluation> {
  const files = await deps.library.getHeadFiles(headId);
  if (files === null) throw new AppError('training', `The library has no head "${headId}" (it may have been deleted).`);
  const { manifest, params } = decodeCheckpoint(files.configJson, files.weights, undefined, files.training);
  try {
    const mismatch = headMismatch(manifest, deps.target);
    if (mismatch !== null) throw new AppError('bad-model', mismatch);
    const labels = manifest.config.labels;
    const clips = await deps.library.listClips();
    const { splits } = effectiveSplits(clips);
    const skipped: { clipId: string; reason: string }[] = [];
    const items: ClipToEncode[] = [];
    for (const clip of clips.filter((c: LibraryClip) => (splits.get(c.id) ?? 'train') === split)) {
      const label = clip.label === null ? -1 : labels.indexOf(clip.label);
      if (label >= 0) items.push({ clip, label, augmentSeed: null });
      else
        skipped.push({
          clipId: clip.id,
          reason:
            clip.label === null ? 'the clip has no label' : `its label "${clip.label}" is not one of the head's labels`,
        });
    }
    const encoded = await encodeLibraryClips(
      { library: deps.library, encoders: deps.encoders, identity: deps.target },
      items,
    );
    for (const s of encoded.skipped) skipped.push({ clipId: s.clip.id, reason: s.reason });
    if (encoded.examples.length === 0) {
      throw new AppError(
        'training',
        `The ${split} split has no clip this head can be evaluated on (${String(skipped.length)} left out; labels: ${labels.join(', ')}).`,
      );
    }
    const predictions = await predict(
      params,
      manifest.config,
      encoded.examples.map((e) => e.example),
    );
    const truth = encoded.examples.map((e) => e.example.label);
    const m = classMetrics(
      truth,
      predictions.map((p) => p.label),
      labels.length,
    );
    return {
      headId,
      split,
      labels: [...labels],
      metrics: { ua: m.ua, wa: m.wa, macroF1: m.macroF1 },
      perClassRecall: m.recall.map((r) => r ?? Number.NaN),
      confusion: m.confusion,
      predictions: encoded.examples.map((e, i) => {
        const p = predictions[i];
        return {
          clipId: e.clip.id,
          truth: labels[e.example.label] ?? '',
          predicted: p === undefined ? '' : (labels[p.label] ?? ''),
          scores: p?.scores ?? [],
        };
      }),
      skipped,
    };
  } finally {
    params.dispose();
  }
}
