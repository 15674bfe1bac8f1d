/**
 * Connectionist temporal classification loss (Graves et al. 2006) written with differentiable tfjs ops only, so
 * `tf.grad` / `tf.variableGrads` reach the logits without a custom gradient.
 *
 * The forward (alpha) recursion runs in log space over the blank-interleaved label sequence, vectorised over the batch
 * and the extended-sequence axis; time is a JS loop. Impossible states hold a large finite negative instead of
 * -Infinity, because -Infinity turns the gradient of a log-sum-exp into NaN (exp(-inf - -inf)).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Options of {@link ctcLoss}; the defaults follow `torch.nn.functional.ctc_loss`. */
export interface CtcOptions {
  /** Class index of the CTC blank (default 0, the wav2vec2 `<pad>`). */
  blank?: number;
  /**
   * 'mean' (default): mean over the clips that have a transcript of loss_b / max(targetLength_b, 1), as torch's 'mean';
   * 'sum': sum over clips; 'none': one loss per clip, shape [B].
   */
  reduction?: 'mean' | 'sum' | 'none';
  /**
   * Replace the loss of an infeasible clip (too few frames for its target) by 0, with zero gradient (default false).
   */
  zeroInfinity?: boolean;
}

/** A large negative that stands for log(0); finite so that gradients through log-sum-exp stay finite. */
const LOG_ZERO = -1e30;
/** Steps between two rescalings of alpha (see negLogLikelihood). */
const RESCALE_EVERY = 4;

/**
 * Fewest frames that can emit `target` under CTC: one per label, plus one blank between each pair of equal
 * neighbours (the collapse rule would merge them otherwise).
 */
export function ctcMinFrames(target: readonly number[]): number {
  let repeats = 0;
  for (let i = 1; i < target.length; i++) if (target[i] === target[i - 1]) repeats++;
  return target.length + repeats;
}

/** Validated, padded description of a batch; plain JS, built before any tensor exists. */
interface Plan {
  batch: number;
  frames: number; // T of logProbs
  classes: number;
  steps: number; // max input length: later frames are never read
  ext: number[][]; // [B][S] blank-interleaved labels, padded with blanks
  targetLengths: number[];
  hasTarget: boolean[];
  feasible: boolean[];
}

function plan(
  shape: readonly number[],
  targets: readonly (readonly number[] | null)[],
  inputLengths: readonly number[],
  blank: number,
): Plan {
  const [batch = 0, frames = 0, classes = 0] = shape;
  if (targets.length !== batch) throw new RangeError(`ctcLoss: ${targets.length} targets for a batch of ${batch}`);
  if (inputLengths.length !== batch)
    throw new RangeError(`ctcLoss: ${inputLengths.length} input lengths for a batch of ${batch}`);
  if (!Number.isInteger(blank) || blank < 0 || blank >= classes)
    throw new RangeError(`ctcLoss: blank ${blank} outside [0, ${classes})`);
  const targetLengths = targets.map((t) => t?.length ?? 0);
  const maxLabels = Math.max(0, ...targetLengths);
  const size = 2 * maxLabels + 1;
  const ext: number[][] = [];
  const feasible: boolean[] = [];
  targets.forEach((target, b) => {
    const length = inputLengths[b] ?? 0;
    if (!Number.isInteger(length) || length < 0 || length > frames) {
      throw new RangeError(`ctcLoss: input length ${length} of clip ${b} outside [0, ${frames}]`);
    }
    const labels = target ?? [];
    for (const label of labels) {
      if (!Number.isInteger(label) || label < 0 || label >= classes || label === blank) {
        throw new RangeError(`ctcLoss: label ${label} of clip ${b} is the blank or outside [0, ${classes})`);
      }
    }
    const row = new Array<number>(size).fill(blank);
    labels.forEach((label, i) => (row[2 * i + 1] = label));
    ext.push(row);
    feasible.push(length >= ctcMinFrames(labels));
  });
  return {
    batch,
    frames,
    classes,
    steps: Math.max(0, ...inputLengths),
    ext,
    targetLengths,
    hasTarget: targets.map((t) => t !== null),
    feasible,
  };
}

/** log(exp a + exp b + exp c), shifted by the maximum so that nothing overflows. */
function logSumExp3(a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Tensor {
  const m = tf.maximum(tf.maximum(a, b), c);
  const sum = tf.addN([tf.exp(tf.sub(a, m)), tf.exp(tf.sub(b, m)), tf.exp(tf.sub(c, m))]);
  return tf.add(m, tf.log(sum));
}

/**
 * The recursion keeps alpha as [S, B] (state axis first): shifting along the outer axis is a contiguous slice, while
 * the same slice along the inner axis takes the cpu backend's element-by-element path (~0.5 ms each, seconds per clip).
 */
function shiftDown(alpha: tf.Tensor2D, by: number): tf.Tensor2D {
  const [rows, cols] = alpha.shape;
  return tf.slice(
    tf.pad(
      alpha,
      [
        [by, 0],
        [0, 0],
      ],
      LOG_ZERO,
    ),
    [0, 0],
    [rows, cols],
  );
}

/** [S, B] constant from a per-clip, per-state rule. */
function stateMask(p: Plan, rule: (row: number[], s: number, b: number) => boolean): tf.Tensor2D {
  const size = p.ext[0]?.length ?? 1;
  const values = Array.from({ length: size }, (_, s) => p.ext.map((row, b) => rule(row, s, b)));
  return tf.tensor2d(values, [size, p.batch], 'bool');
}

/**
 * Emission log-probabilities of every extended-sequence state at every frame, as [steps] slices of [S, B]. A one-hot
 * batched matMul rather than a gather: the gather gradient (UnsortedSegmentSum) loops over every segment on the cpu
 * backend and takes minutes for a 700-frame clip. Multiplying finite log-probs by 1 and 0 is exact in float32.
 */
function emissions(logProbs: tf.Tensor3D, p: Plan): tf.Tensor2D[] {
  if (p.steps === 0) return [];
  const size = p.ext[0]?.length ?? 1;
  const oneHot = new Float32Array(p.batch * p.classes * size);
  p.ext.forEach((row, b) => {
    row.forEach((label, s) => {
      oneHot[(b * p.classes + label) * size + s] = 1;
    });
  });
  const used = tf.slice(logProbs, [0, 0, 0], [p.batch, p.steps, p.classes]);
  const perState = tf.matMul(used, tf.tensor3d(oneHot, [p.batch, p.classes, size])); // [B, steps, S]
  const timeMajor = tf.transpose(perState, [1, 2, 0]);
  // tfjs's Unpack gradient breaks on a single output (it receives a Tensor, not a Tensor[]).
  if (p.steps === 1) return [tf.reshape(timeMajor, [size, p.batch])];
  return tf.unstack(timeMajor) as tf.Tensor2D[];
}

/** Per-clip negative log-likelihood [B]; ~1e30 where no path exists (callers mask those clips). */
function negLogLikelihood(logProbs: tf.Tensor3D, p: Plan, inputLengths: readonly number[], blank: number): tf.Tensor1D {
  // s-2 -> s is allowed into a label that differs from the label two states back (never into a blank).
  const skip = stateMask(p, (row, s) => s >= 2 && row[s] !== blank && row[s] !== row[s - 2]);
  // A virtual state before frame 0 with log-probability 0 at s = 0: the first step then starts paths at s = 0 and s =
  // 1.
  let alpha = tf.where<tf.Tensor2D>(
    stateMask(p, (_, s) => s === 0),
    0,
    LOG_ZERO,
  );
  // Every RESCALE_EVERY steps alpha loses its per-clip maximum, kept aside in `offsets`: alpha then stays near 0, where
  // float32 resolves the differences that decide the gradient (at |alpha| ~ 2000 its spacing is already 1e-4). The
  // loss does not depend on the offsets' values, so their gradient paths cancel; rescaling on every step would be
  // ~6x more accurate still but doubles the cost on the cpu backend.
  // Summed as they come: tfjs-webgpu's AddN binds every input as a storage buffer and returns garbage, silently,
  // beyond the device's limit (8 per shader stage by default), which a 700-frame clip passes many times over.
  let offsetSum: tf.Tensor2D | null = null;
  const frames = emissions(logProbs, p);
  for (let t = 0; t < p.steps; t++) {
    const prev = alpha;
    const emit = frames[t];
    if (emit === undefined) throw new Error('unreachable: missing emission slice');
    const active = inputLengths.map((length) => t < length);
    const rescale = t % RESCALE_EVERY === RESCALE_EVERY - 1;
    // Returns [alpha] or [alpha, offset]: tidy keeps arrays of tensors, not optional fields.
    const [next, offset] = tf.tidy((): tf.Tensor2D[] => {
      const fromSkip = tf.where(skip, shiftDown(prev, 2), LOG_ZERO);
      const raw = tf.add<tf.Tensor2D>(logSumExp3(prev, shiftDown(prev, 1), fromSkip), emit);
      const peak = rescale ? tf.max<tf.Tensor2D>(raw, 0, true) : null;
      const scaled = peak ? tf.sub<tf.Tensor2D>(raw, peak) : raw;
      if (active.every(Boolean)) return peak ? [scaled, peak] : [scaled];
      // Clips whose audio has ended keep their last alpha, so the end state is read at t = length - 1.
      const running = tf.tensor2d([active], [1, p.batch], 'bool');
      const kept = tf.where(running, scaled, prev);
      return peak ? [kept, tf.where(running, peak, 0)] : [kept];
    });
    if (next === undefined) throw new Error('unreachable: empty step');
    alpha = next;
    if (offset) offsetSum = offsetSum === null ? offset : tf.add<tf.Tensor2D>(offsetSum, offset);
  }
  // A path ends on the last label (2L - 1) or on the trailing blank (2L).
  const ends = stateMask(p, (_, s, b) => {
    const length = p.targetLengths[b] ?? 0;
    return s === 2 * length || s === 2 * length - 1;
  });
  const logEnd = tf.logSumExp(tf.where(ends, alpha, LOG_ZERO), 0, true);
  return tf.neg(tf.reshape<tf.Rank.R1>(offsetSum === null ? logEnd : tf.add(logEnd, offsetSum), [p.batch]));
}

/**
 * CTC loss of a batch of log-probabilities, matching `torch.nn.functional.ctc_loss` (forward value and gradient).
 *
 * @param logProbs [B, T, C] log-softmax outputs (not re-normalised here).
 * @param targets per clip the label indices without blanks; `null` means "no transcript": that clip's loss is 0, it
 *   gets no gradient and it is left out of the 'mean' denominator (an all-`null` batch gives 0 for 'mean').
 *   An empty array is a real transcript (the clip must emit only blanks).
 * @param inputLengths per clip the number of valid frames, 0..T; the loss of clip b is read at frame inputLengths[b]-1.
 *   A clip of length 0 costs 0 with an empty target and is infeasible otherwise; if every length is 0 the result does
 *   not depend on logProbs, so tf.grad of it throws.
 * @param options blank index, reduction, zeroInfinity.
 * @returns a scalar, or [B] for reduction 'none'. An infeasible clip (inputLength < labels + adjacent repeats) gives
 *   exactly +Infinity with zeroInfinity false (and so does any reduction containing it), but, unlike torch, zero rather
 *   than NaN gradient for that clip's logits; with zeroInfinity true it gives 0 with zero gradient and, as in torch,
 *   still counts in the 'mean' denominator.
 */
export function ctcLoss(
  logProbs: tf.Tensor3D,
  targets: readonly (readonly number[] | null)[],
  inputLengths: readonly number[],
  options: CtcOptions = {},
): tf.Tensor {
  const blank = options.blank ?? 0;
  const reduction = options.reduction ?? 'mean';
  const zeroInfinity = options.zeroInfinity ?? false;
  if (logProbs.rank !== 3)
    throw new RangeError(`ctcLoss: logProbs must be [B, T, C], got [${logProbs.shape.join(', ')}]`);
  const p = plan(logProbs.shape, targets, inputLengths, blank);
  return tf.tidy(() => {
    const nll = negLogLikelihood(logProbs, p, inputLengths, blank);
    const valid = tf.tensor1d(p.feasible, 'bool');
    const counted = tf.tensor1d(p.hasTarget, 'bool');
    // `where` sends no gradient to the unselected branch, so masked clips get exactly zero gradient.
    const perClip = tf.where(counted, tf.where(valid, nll, zeroInfinity ? 0 : Number.POSITIVE_INFINITY), 0);
    if (reduction === 'none') return perClip;
    if (reduction === 'sum') return tf.sum(perClip);
    const clips = p.hasTarget.filter(Boolean).length;
    // An all-null batch still returns a tensor connected to logProbs so that tf.grad does not throw.
    if (clips === 0) return tf.mul(tf.sum(perClip), 0);
    const weights = p.targetLengths.map((length, b) => (p.hasTarget[b] ? 1 / (Math.max(length, 1) * clips) : 0));
    return tf.sum(tf.mul(perClip, tf.tensor1d(weights)));
  });
}
