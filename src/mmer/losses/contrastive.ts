/**
 * Contrastive losses of MMER: supervised contrastive (same-label positives, Khosla et al. 2020) and InfoNCE between an
 * original and an augmented view. Plain differentiable tfjs ops; constant masks are built in JS.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * 'khosla': L^sup_out of Khosla et al. 2020 on L2-normalised features.
 * 'authors-unnormalised': the released MMER code (raw features, self kept as positive and in the denominator,
 * temperature applied after the log-softmax, mean over all same-label pairs).
 */
export type SupConVariant = 'khosla' | 'authors-unnormalised';

/** Options of {@link supConLoss}. */
export interface SupConOptions {
  /** Softmax temperature (default 0.07). */
  temperature?: number;
  /** Which definition to compute (default 'khosla'). */
  variant?: SupConVariant;
}

/** Options of {@link infoNceLoss}. */
export interface InfoNceOptions {
  /** Softmax temperature (default 0.07). */
  temperature?: number;
  /** Average the zA->zB and zB->zA cross-entropies (default false: rows of zA only, as the authors' code). */
  symmetric?: boolean;
  /** L2-normalise both views first (default true; the authors' code does not). */
  normalise?: boolean;
}

const DEFAULT_TEMPERATURE = 0.07;
/** Stands for log(0) in masked log-sum-exps; finite so that its gradient is 0 rather than NaN. */
const LOG_ZERO = -1e30;
/** Squared-norm floor, as torch's F.normalize eps of 1e-12 on the norm: zero rows stay zero instead of NaN. */
const MIN_SQUARED_NORM = 1e-24;

/** Rows divided by their L2 norm. */
export function l2NormaliseRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const squared = tf.sum(tf.square(x), 1, true);
    return tf.div(x, tf.sqrt(tf.maximum(squared, MIN_SQUARED_NORM)));
  });
}

function checkTemperature(temperature: number): void {
  if (!(temperature > 0) || !Number.isFinite(temperature))
    throw new RangeError(`temperature must be > 0, got ${temperature}`);
}

/**
 * Supervised contrastive loss.
 *
 * 'khosla' (default): for each anchor i with at least one positive p (same label, p != i), the loss is
 * -mean_p log( exp(z_i.z_p/t) / sum_{a != i} exp(z_i.z_a/t) ) on L2-normalised z; averaged over the anchors that have
 * positives. Anchors without positives are skipped; a batch without any positive pair gives 0 (and zero gradient).
 *
 * 'authors-unnormalised': -(1/t) * mean over all same-label pairs (i, j), i = j included, of log_softmax_j(z_i.z_j)
 * on raw features. Self-pairs always exist, so this is never empty.
 *
 * @param features [B, D] projected embeddings.
 * @param labels B class indices.
 */
export function supConLoss(features: tf.Tensor2D, labels: readonly number[], options: SupConOptions = {}): tf.Scalar {
  const temperature = options.temperature ?? DEFAULT_TEMPERATURE;
  const variant = options.variant ?? 'khosla';
  checkTemperature(temperature);
  const [batch] = features.shape;
  if (features.rank !== 2)
    throw new RangeError(`supConLoss: features must be [B, D], got [${features.shape.join(', ')}]`);
  if (labels.length !== batch) throw new RangeError(`supConLoss: ${labels.length} labels for a batch of ${batch}`);
  const same = labels.map((a) => labels.map((b) => a === b));

  return tf.tidy(() => {
    if (variant === 'authors-unnormalised') {
      const logProb = tf.logSoftmax(tf.matMul(features, features, false, true));
      const pairs = same.flat().filter(Boolean).length;
      const weights = tf.tensor2d(
        same.map((row) => row.map((s) => (s ? -1 / (pairs * temperature) : 0))),
        [batch, batch],
      );
      return tf.sum(tf.mul(logProb, weights));
    }
    const z = l2NormaliseRows(features);
    const logits = tf.div(tf.matMul(z, z, false, true), temperature);
    const notSelf = tf.tensor2d(
      same.map((row, i) => row.map((_, j) => i !== j)),
      [batch, batch],
      'bool',
    );
    // The anchor itself is left out of its own denominator (L^sup_out).
    const logDenominator = tf.logSumExp(tf.where(notSelf, logits, tf.scalar(LOG_ZERO)), 1, true);
    const logProb = tf.sub(logits, logDenominator);
    const positives = same.map((row, i) => row.filter((s, j) => s && j !== i).length);
    const anchors = positives.filter((n) => n > 0).length;
    // Weight of pair (i, p): 1/|P(i)| for the mean over positives, 1/anchors for the mean over anchors; 0 elsewhere,
    // which also yields a graph-connected 0 when no anchor has a positive.
    const weights = same.map((row, i) =>
      row.map((s, j) => (s && j !== i ? -1 / ((positives[i] ?? 1) * Math.max(anchors, 1)) : 0)),
    );
    return tf.sum(tf.mul(logProb, tf.tensor2d(weights, [batch, batch])));
  });
}

/** Mean over rows of -log_softmax(logits)[i, i]: cross-entropy of each row against its diagonal entry. */
function diagonalCrossEntropy(logits: tf.Tensor2D): tf.Scalar {
  const [rows] = logits.shape;
  return tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.eye(rows)))), rows);
}

/**
 * InfoNCE between two views of the same batch: logits = zA zB^T / t, cross-entropy of each row against the diagonal
 * (clip i of view A must pick clip i of view B), mean over rows.
 *
 * @param zA [B, D] first view (original).
 * @param zB [B, D] second view (augmented).
 */
export function infoNceLoss(zA: tf.Tensor2D, zB: tf.Tensor2D, options: InfoNceOptions = {}): tf.Scalar {
  const temperature = options.temperature ?? DEFAULT_TEMPERATURE;
  checkTemperature(temperature);
  if (zA.rank !== 2 || zB.rank !== 2 || zA.shape[0] !== zB.shape[0] || zA.shape[1] !== zB.shape[1]) {
    throw new RangeError(
      `infoNceLoss: views must share a [B, D] shape, got [${zA.shape.join(', ')}] and [${zB.shape.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    const normalise = options.normalise ?? true;
    const a = normalise ? l2NormaliseRows(zA) : zA;
    const b = normalise ? l2NormaliseRows(zB) : zB;
    const logits = tf.div<tf.Tensor2D>(tf.matMul(a, b, false, true), temperature);
    const forward = diagonalCrossEntropy(logits);
    if (options.symmetric !== true) return forward;
    // tf.logSoftmax only works on the last axis, so the column direction is the transposed matrix's rows.
    return tf.mul(tf.add(forward, diagonalCrossEntropy(tf.transpose(logits))), 0.5);
  });
}
