/**
 * The multitask loss of the MMER head on one batch, L = CE + a*CTC + b*SupCon + g*ACL, as one differentiable scalar.
 */
import * as tf from '@tensorflow/tfjs-core';
import { disposeBatch, makeBatch, type ClipFeatures } from './batch';
import type { MmerConfig } from './config';
import { disposeMmerOutputs, mmerForward } from './head';
import { ctcLoss, infoNceLoss, supConLoss, type SupConVariant } from './losses';
import type { ParamStore } from './params';
import { prefixRows } from './utterance';

/** A labelled clip: cached features, its augmented view (for ACL) and its CTC target (null: no transcript). */
export interface TrainExample extends ClipFeatures {
  readonly label: number;
  readonly ctcTarget: readonly number[] | null;
  readonly augmented: ClipFeatures | null;
}

export interface LossWeights {
  readonly ctc: number;
  readonly supcon: number;
  readonly acl: number;
  readonly temperature: number;
  readonly supconVariant: SupConVariant;
}

/** The authors' weights (0.1 each) and temperature (0.07). */
export const DEFAULT_LOSS: LossWeights = {
  ctc: 0.1,
  supcon: 0.1,
  acl: 0.1,
  temperature: 0.07,
  supconVariant: 'khosla',
};

export type LossParts = Readonly<Record<'total' | 'ce' | 'ctc' | 'supcon' | 'acl', number>>;

/** Whether ACL applies to this batch: it is weighted in and every clip has an augmented view. */
export function usesAugmentedView(examples: readonly TrainExample[], weights: LossWeights): boolean {
  return weights.acl > 0 && examples.every((e) => e.augmented !== null);
}

/**
 * The contrastive projection z of the augmented views [B, d], the input of ACL; the caller disposes it. Dropout is
 * seeded by (seed + 1, site), so every call for the same batch and seed gives the same z.
 */
export function augmentedProjection(
  params: ParamStore,
  config: MmerConfig,
  examples: readonly TrainExample[],
  seed: number,
): tf.Tensor2D {
  const aug = makeBatch(examples.map((e) => e.augmented).filter((a): a is ClipFeatures => a !== null));
  const out = mmerForward(params, config, aug.batch, { training: true, seed: seed + 1 });
  const z = out.projection(out.pooled, 'aug');
  disposeMmerOutputs(out);
  disposeBatch(aug.batch);
  return z;
}

/**
 * The multitask loss of one batch, as a scalar for autograd. `parts` receives the weighted-in components (kept
 * tensors the caller disposes; the total is the returned value), since autograd disposes everything else inside.
 * `zAug`, when given, stands for `augmentedProjection` of the same batch and seed (see step.ts); by default the
 * augmented views run here.
 */
export function multitaskLoss(
  params: ParamStore,
  config: MmerConfig,
  examples: readonly TrainExample[],
  weights: LossWeights,
  seed: number,
  parts: Map<keyof LossParts, tf.Scalar>,
  zAug?: tf.Tensor2D,
): tf.Scalar {
  const { batch, audioLengths } = makeBatch(examples);
  const out = mmerForward(params, config, batch, { training: true, seed });
  const labels = examples.map((e) => e.label);
  const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), config.labels.length);
  const ce = tf.losses.softmaxCrossEntropy<tf.Tensor2D, tf.Scalar>(onehot as tf.Tensor2D, out.logits);
  let total = ce;
  const keep = (k: keyof LossParts, v: tf.Scalar): void => void parts.set(k, tf.keep(v));
  keep('ce', ce);
  if (weights.ctc > 0) {
    // The head's CTC frames follow the utterance prefix, which the lengths still count.
    const lengths = audioLengths.map((l) => l - prefixRows(config.utterance));
    const ctc = ctcLoss(
      tf.logSoftmax(out.ctcLogits()),
      examples.map((e) => e.ctcTarget),
      lengths,
      { zeroInfinity: true },
    ) as tf.Scalar;
    keep('ctc', ctc);
    total = tf.add(total, tf.mul(ctc, weights.ctc));
  }
  const needProj = weights.supcon > 0 || weights.acl > 0;
  const zOrig = needProj ? out.projection(out.pooled, 'orig') : null;
  if (zOrig !== null && weights.supcon > 0) {
    const sc = supConLoss(zOrig, labels, { temperature: weights.temperature, variant: weights.supconVariant });
    keep('supcon', sc);
    total = tf.add(total, tf.mul(sc, weights.supcon));
  }
  if (zOrig !== null && usesAugmentedView(examples, weights)) {
    const acl = infoNceLoss(zOrig, zAug ?? augmentedProjection(params, config, examples, seed), {
      temperature: weights.temperature,
    });
    keep('acl', acl);
    total = tf.add(total, tf.mul(acl, weights.acl));
  }
  disposeBatch(batch);
  return total;
}
