/** Padding variable-length clips into one batch with masks (1 = valid, 0 = padding). */
import * as tf from '@tensorflow/tfjs-core';
import type { FeatureMatrix } from '../encoders/types';
import type { MmerBatch } from './head';

/** One clip's encoder features, as cached after the first epoch. */
export interface ClipFeatures {
  readonly audio: FeatureMatrix;
  readonly text: FeatureMatrix;
}

function pad(mats: readonly FeatureMatrix[]): { values: tf.Tensor3D; mask: tf.Tensor2D; lengths: number[] } {
  const dim = mats[0]?.dim ?? 0;
  const longest = Math.max(1, ...mats.map((m) => m.rows));
  const values = new Float32Array(mats.length * longest * dim);
  const mask = new Float32Array(mats.length * longest);
  mats.forEach((m, b) => {
    if (m.dim !== dim) throw new Error(`clip ${b} has feature dim ${m.dim}, expected ${dim}`);
    values.set(m.data.subarray(0, m.rows * dim), b * longest * dim);
    mask.fill(1, b * longest, b * longest + m.rows);
  });
  return {
    values: tf.tensor3d(values, [mats.length, longest, dim]),
    mask: tf.tensor2d(mask, [mats.length, longest]),
    lengths: mats.map((m) => m.rows),
  };
}

/** Builds a padded batch; the caller disposes the tensors (`disposeBatch`). `audioLengths` feed the CTC loss. */
export function makeBatch(clips: readonly ClipFeatures[]): { batch: MmerBatch; audioLengths: number[] } {
  if (clips.length === 0) throw new Error('makeBatch: empty batch');
  const a = pad(clips.map((c) => c.audio));
  const t = pad(clips.map((c) => c.text));
  return { batch: { audio: a.values, audioMask: a.mask, text: t.values, textMask: t.mask }, audioLengths: a.lengths };
}

/** Disposes the tensors of a batch made by `makeBatch`. */
export function disposeBatch(batch: MmerBatch): void {
  tf.dispose([batch.audio, batch.audioMask, batch.text, batch.textMask]);
}
