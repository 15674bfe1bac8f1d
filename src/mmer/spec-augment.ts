/**
 * SpecAugment-style masking of audio feature frames during training (Park et al., 2019: time and frequency masks;
 * no time warping). Each training step masks fresh random spans of its clips' frames, so the head cannot lean on any
 * one stretch of time or band of frequencies. Masked values become 0: for the lite encoder's mean-removed log-mel
 * frames that is the clip's own mean. Rows of the utterance prefix (statistics, not frames) are never masked.
 */
import type { AudioEncoderModel, FeatureMatrix } from '../encoders/types';
import { mulberry32, type Rand } from '../core/rng';
import type { TrainExample } from './multitask';

/** How much to mask; every span is drawn uniformly from 0 to its maximum. */
export interface SpecAugmentOptions {
  /** Time masks per clip. */
  readonly timeMasks: number;
  /** Longest time mask as a fraction of the clip's frames. */
  readonly maxTimeFraction: number;
  /** Frequency masks per clip. */
  readonly freqMasks: number;
  /** Widest frequency mask, in bands. */
  readonly maxBands: number;
  /**
   * Bands per stacked frame: a row of `dim` values holds `dim / bands` frames of `bands` values each, and a frequency
   * mask hides the same bands in each of them (the lite encoder stacks 4 frames of 80 log-mel bands).
   */
  readonly bands: number;
}

/** The masking measured in docs/decisions.md (two masks of each kind, up to 10 % of the frames and 10 of 80 bands). */
export const SPEC_AUGMENT: Omit<SpecAugmentOptions, 'bands'> = {
  timeMasks: 2,
  maxTimeFraction: 0.1,
  freqMasks: 2,
  maxBands: 10,
};

/** A masked copy of `m`; its first `skipRows` rows (the utterance prefix) are kept as they are. */
export function maskFrames(m: FeatureMatrix, o: SpecAugmentOptions, skipRows: number, rand: Rand): FeatureMatrix {
  const data = m.data.slice();
  const frames = m.rows - skipRows;
  if (frames <= 0) return { ...m, data };
  const span = (max: number): number => Math.floor(rand() * (max + 1));
  for (let t = 0; t < o.timeMasks; t++) {
    const width = Math.min(frames, span(Math.floor(o.maxTimeFraction * frames)));
    const start = skipRows + Math.floor(rand() * (frames - width + 1));
    data.fill(0, start * m.dim, (start + width) * m.dim);
  }
  const bands = Math.min(o.bands, m.dim);
  for (let f = 0; f < o.freqMasks; f++) {
    const width = Math.min(bands, span(o.maxBands));
    const first = Math.floor(rand() * (bands - width + 1));
    if (width === 0) continue;
    for (let r = skipRows; r < m.rows; r++) {
      for (let slot = 0; slot < m.dim; slot += bands)
        data.fill(0, r * m.dim + slot + first, Math.min(r * m.dim + slot + first + width, (r + 1) * m.dim));
    }
  }
  return { rows: m.rows, dim: m.dim, data };
}

/** The step's clips with both audio views masked, drawn from `seed` alone (a replayed step masks the same spans). */
export function specAugmentChunk(
  chunk: readonly TrainExample[],
  o: SpecAugmentOptions,
  skipRows: number,
  seed: number,
): TrainExample[] {
  const rand = mulberry32(seed);
  return chunk.map((e) => ({
    ...e,
    audio: maskFrames(e.audio, o, skipRows, rand),
    augmented:
      e.augmented === null ? null : { ...e.augmented, audio: maskFrames(e.augmented.audio, o, skipRows, rand) },
  }));
}

/** The measured masking for features of `audio` (its mel bands per stacked frame; the whole row for other encoders). */
export function specAugmentFor(audio: AudioEncoderModel, dim: number): SpecAugmentOptions {
  const bands = (audio as { readonly bands?: unknown }).bands;
  return { ...SPEC_AUGMENT, bands: typeof bands === 'number' ? bands : dim };
}
