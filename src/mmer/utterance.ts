/**
 * Utterance statistics inside the MMER head. Weight-free utterance features (prosody, voice quality, spectral shape:
 * src/encoders/utterance/) carry most of what a small model can learn about emotion from unseen speakers, so an
 * encoder that computes them puts them at the front of its audio frame sequence, as a prefix of three blocks:
 *
 *   block 0: the raw statistics (missing ones as 0), then a 1 marking the prefix;
 *   block 1: 1 where a statistic is missing (no voiced frame, too short), else 0;
 *   block 2: the statistics normalised by the speaker's own mean and SD, then 1, when a speaker profile is known
 *            (all zeros otherwise).
 *
 * Each block is `frames` rows of the encoder's frame width. Carrying them as frames keeps the one head format, the
 * feature cache and batching unchanged; the head slices them off before its attention blocks.
 * The head scores them with two linear branches over z-scored statistics (global z, or speaker z then global z,
 * constants in the config) and adds the branch's logits to the MMER classifier's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AppError } from '../core/errors';
import type { FeatureMatrix } from '../encoders/types';

/** Mean and SD of each statistic over the training clips. */
export interface NormStats {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** How a head reads the utterance prefix. Stored in the head's config, so the constants travel with the weights. */
export interface UtteranceSpec {
  /** Feature-set id of the encoder that computed the statistics (a head only runs on the same set). */
  readonly features: string;
  /** Number of statistics. */
  readonly dim: number;
  /** Rows per prefix block: ceil((dim + 1) / audioDim). */
  readonly frames: number;
  /** Global z-score of the raw statistics. */
  readonly global: NormStats;
  /** Global z-score of the speaker-normalised statistics. */
  readonly speaker: NormStats;
  /** Dropout on the normalised statistics while training (a linear model needs strong regularisation here). */
  readonly dropout: number;
}

/** A speaker's own mean and SD of each raw statistic, from that speaker's clips (labels never used). */
export interface SpeakerProfile {
  readonly mean: Float64Array;
  readonly std: Float64Array;
  /** Clips the profile was computed from. */
  readonly clips: number;
}

/** Rows per prefix block for `dim` statistics in frames of width `frameDim`. */
export function blockFrames(dim: number, frameDim: number): number {
  return Math.ceil((dim + 1) / frameDim);
}

/** Rows of the whole prefix. */
export function prefixRows(spec: Pick<UtteranceSpec, 'frames'> | undefined): number {
  return spec === undefined ? 0 : 3 * spec.frames;
}

/** Puts the prefix (profile block empty) in front of an encoder's frames. */
export function withUtterancePrefix(frames: FeatureMatrix, stats: Float32Array): FeatureMatrix {
  const dim = frames.dim;
  const f = blockFrames(stats.length, dim);
  const block = f * dim;
  const data = new Float32Array(3 * block + frames.rows * dim);
  for (let i = 0; i < stats.length; i++) {
    const v = stats[i] ?? Number.NaN;
    if (Number.isFinite(v)) data[i] = v;
    else data[block + i] = 1;
  }
  data[stats.length] = 1;
  data.set(frames.data.subarray(0, frames.rows * dim), 3 * block);
  return { rows: 3 * f + frames.rows, dim, data };
}

function checkPrefix(m: FeatureMatrix, dim: number): number {
  const f = blockFrames(dim, m.dim);
  if (m.rows < 3 * f || m.data[dim] !== 1) {
    throw new AppError(
      'bad-model',
      `These audio features carry no utterance statistics (${dim} expected); the encoder does not match the head.`,
    );
  }
  return f * m.dim;
}

/** The raw statistics of a prefixed matrix, NaN where missing. */
export function utteranceStats(m: FeatureMatrix, dim: number): Float64Array {
  const block = checkPrefix(m, dim);
  const out = new Float64Array(dim);
  for (let i = 0; i < dim; i++) out[i] = m.data[block + i] === 1 ? Number.NaN : (m.data[i] ?? 0);
  return out;
}

/** Mean and population SD of each statistic over rows, ignoring NaN; an SD below 1e-12 (or no value) counts as 1. */
export function columnStats(rows: readonly Float64Array[], dim: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    let n = 0;
    let s = 0;
    for (const r of rows) {
      const v = r[j] ?? Number.NaN;
      if (Number.isFinite(v)) {
        n += 1;
        s += v;
      }
    }
    const mu = n > 0 ? s / n : 0;
    let ss = 0;
    for (const r of rows) {
      const v = r[j] ?? Number.NaN;
      if (Number.isFinite(v)) ss += (v - mu) ** 2;
    }
    const sd = n > 0 ? Math.sqrt(ss / n) : 0;
    mean[j] = mu;
    std[j] = sd < 1e-12 ? 1 : sd;
  }
  return { mean, std };
}

/** A speaker profile from rows of raw statistics (`utteranceStats`), one row per clip. */
export function profileFromStats(rows: readonly Float64Array[], dim: number): SpeakerProfile {
  return { ...columnStats(rows, dim), clips: rows.length };
}

/** A speaker profile from the prefixed features of that speaker's clips. */
export function speakerProfile(clips: readonly FeatureMatrix[], dim: number): SpeakerProfile {
  if (clips.length === 0) throw new AppError('internal', 'A speaker profile needs at least one clip.');
  return profileFromStats(
    clips.map((c) => utteranceStats(c, dim)),
    dim,
  );
}

/** A copy of prefixed features with block 2 filled from `profile` (or emptied when it is null). */
export function applyProfile(m: FeatureMatrix, dim: number, profile: SpeakerProfile | null): FeatureMatrix {
  const block = checkPrefix(m, dim);
  const data = m.data.slice();
  data.fill(0, 2 * block, 3 * block);
  if (profile !== null) {
    const raw = utteranceStats(m, dim);
    for (let i = 0; i < dim; i++) {
      const v = raw[i] ?? Number.NaN;
      data[2 * block + i] = Number.isFinite(v) ? (v - (profile.mean[i] ?? 0)) / (profile.std[i] ?? 1) : 0;
    }
    data[2 * block + dim] = 1;
  }
  return { rows: m.rows, dim: m.dim, data };
}

/** The head's normalisation constants from the training clips' prefixed features (each with its speaker profile). */
export function fitUtteranceSpec(
  features: string,
  clips: readonly FeatureMatrix[],
  dim: number,
  dropout: number,
): UtteranceSpec {
  const first = clips[0];
  if (first === undefined) throw new AppError('bad-dataset', 'No training clip to fit the utterance statistics on.');
  const block = checkPrefix(first, dim);
  const raw = clips.map((c) => utteranceStats(c, dim));
  const spk = clips.map((c) => {
    const out = new Float64Array(dim);
    for (let i = 0; i < dim; i++) out[i] = c.data[block + i] === 1 ? Number.NaN : (c.data[2 * block + i] ?? 0);
    return out;
  });
  const g = columnStats(raw, dim);
  const s = columnStats(spk, dim);
  return {
    features,
    dim,
    frames: blockFrames(dim, first.dim),
    global: { mean: [...g.mean], std: [...g.std] },
    speaker: { mean: [...s.mean], std: [...s.std] },
    dropout,
  };
}

/** Checks a spec read from a head's config. */
export function validateUtteranceSpec(u: UtteranceSpec, audioDim: number): string | null {
  if (typeof u.features !== 'string' || u.features.length === 0) return 'utterance.features must name a feature set';
  if (!Number.isInteger(u.dim) || u.dim < 1) return 'utterance.dim must be a positive integer';
  if (u.frames !== blockFrames(u.dim, audioDim)) return `utterance.frames must be ${blockFrames(u.dim, audioDim)}`;
  for (const [name, n] of [
    ['global', u.global],
    ['speaker', u.speaker],
  ] as const) {
    if (n.mean.length !== u.dim || n.std.length !== u.dim) return `utterance.${name} must hold ${u.dim} means and SDs`;
    if (![...n.mean, ...n.std].every(Number.isFinite) || n.std.some((v) => v <= 0))
      return `utterance.${name} holds a non-finite mean or a non-positive SD`;
  }
  if (!(u.dropout >= 0 && u.dropout < 1)) return 'utterance.dropout must be in [0, 1)';
  return null;
}

/** The prefix split off a batch: the frames that follow it and the three blocks as [B, dim] tensors. */
export interface SplitPrefix {
  readonly audio: tf.Tensor3D;
  readonly audioMask: tf.Tensor2D;
  readonly raw: tf.Tensor2D;
  readonly missing: tf.Tensor2D;
  readonly speaker: tf.Tensor2D;
  /** [B, 1]: 1 where block 2 holds a speaker profile. */
  readonly hasProfile: tf.Tensor2D;
}

/** Slices the prefix off a padded batch (it sits at rows 0..3f-1 of every clip, so padding never touches it). */
export function splitPrefix(spec: UtteranceSpec, audio: tf.Tensor3D, audioMask: tf.Tensor2D): SplitPrefix {
  const [b, t, d] = audio.shape;
  const f = spec.frames;
  if (t <= 3 * f) throw new AppError('bad-model', 'The audio features hold no frames after the utterance statistics.');
  const flat = (k: number): tf.Tensor2D => tf.reshape(tf.slice(audio, [0, k * f, 0], [b, f, d]), [b, f * d]);
  const b0 = flat(0);
  const b1 = flat(1);
  const b2 = flat(2);
  return {
    audio: tf.slice(audio, [0, 3 * f, 0], [b, t - 3 * f, d]),
    audioMask: tf.slice(audioMask, [0, 3 * f], [b, t - 3 * f]),
    raw: tf.slice(b0, [0, 0], [b, spec.dim]),
    missing: tf.slice(b1, [0, 0], [b, spec.dim]),
    speaker: tf.slice(b2, [0, 0], [b, spec.dim]),
    hasProfile: tf.slice(b2, [0, spec.dim], [b, 1]),
  };
}

/** (x - mean) / std, with missing statistics at 0 (the training mean). */
export function zScore(x: tf.Tensor2D, missing: tf.Tensor2D, n: NormStats): tf.Tensor2D {
  const z = tf.div(tf.sub(x, tf.tensor1d([...n.mean])), tf.tensor1d([...n.std]));
  return tf.mul(z, tf.sub(1, missing));
}
