/** The weight-free "lite" pair: log-mel frames for audio, hashed character n-grams for text. No ASR. */
import { DEFAULT_LOGMEL, logMel, type LogMelOptions } from '../audio/logmel';
import { AppError } from '../core/errors';
import { embedText, type NgramOptions } from '../text/ngram-embed';
import type { AudioEncoderModel, AudioEncoding, TextEncoderModel, TextEncoding, UtteranceFeatureSet } from './types';
import { UTTERANCE_DIM, utteranceFeatures } from './utterance';

/** The weight-free utterance statistics (prosody, voice quality, spectral shape and balance, log-mel statistics). */
export const ACOUSTIC_FEATURES: UtteranceFeatureSet = {
  id: 'acoustic-636-v1',
  dim: UTTERANCE_DIM,
  compute: utteranceFeatures,
};

/**
 * Options of the lite audio encoder: log-mel settings plus `stack` (consecutive frames joined into one), `cmvn`
 * (1: subtract each band's mean over the clip, so the frames describe the clip's spectral movement rather than the
 * microphone and the voice's fixed colour) and `utterance` (1: put the clip's utterance statistics, feature set
 * `UTTERANCE_FEATURES`, in front of the frames; see src/mmer/utterance.ts).
 */
export type LiteAudioOptions = Partial<LogMelOptions> & {
  readonly stack?: number;
  readonly cmvn?: number;
  readonly utterance?: number;
};

/** Subtracts each column's mean over the rows, in place. */
function subtractColumnMeans(m: { frames: number; dim: number; data: Float32Array }): void {
  if (m.frames === 0) return;
  const mean = new Float64Array(m.dim);
  for (let f = 0; f < m.frames; f++)
    for (let j = 0; j < m.dim; j++) mean[j] = (mean[j] ?? 0) + (m.data[f * m.dim + j] ?? 0);
  for (let j = 0; j < m.dim; j++) mean[j] = (mean[j] ?? 0) / m.frames;
  for (let f = 0; f < m.frames; f++)
    for (let j = 0; j < m.dim; j++) m.data[f * m.dim + j] = (m.data[f * m.dim + j] ?? 0) - (mean[j] ?? 0);
}

/**
 * Stacks `k` consecutive frames of a frame-major matrix into one frame of k*dim values (a trailing partial group is
 * dropped). Stacking shortens the sequence the head's attention runs over by k, which is what makes training on
 * CPU/WASM affordable, while keeping every filterbank value.
 */
export function stackFrames(
  m: { frames: number; dim: number; data: Float32Array },
  k: number,
): { frames: number; dim: number; data: Float32Array } {
  if (!Number.isInteger(k) || k < 1)
    throw new AppError('internal', `Frame stacking must be a positive integer (got ${String(k)}).`);
  if (k === 1) return m;
  const frames = Math.floor(m.frames / k);
  // Frame-major data: k consecutive frames already sit next to each other, so stacking is a reinterpretation.
  return { frames, dim: m.dim * k, data: m.data.slice(0, frames * k * m.dim) };
}

export class LiteAudioEncoder implements AudioEncoderModel {
  readonly hasAsr = false;
  readonly vocab: readonly string[] = [];
  readonly utterance: UtteranceFeatureSet | null;
  private readonly logMelOptions: Partial<LogMelOptions>;
  private readonly stack: number;
  private readonly cmvn: boolean;
  /** Mel bands per frame: a feature row holds `stack` frames of this many values (SpecAugment masks bands of each). */
  readonly bands: number;
  constructor(
    readonly id: string,
    options: LiteAudioOptions,
  ) {
    const { stack, cmvn, utterance, ...logMelOptions } = options;
    this.stack = stack ?? 1;
    this.cmvn = cmvn === 1;
    this.utterance = utterance === 1 ? ACOUSTIC_FEATURES : null;
    this.logMelOptions = logMelOptions;
    this.bands = logMelOptions.nMels ?? DEFAULT_LOGMEL.nMels;
  }

  encode(pcm16k: Float32Array): Promise<AudioEncoding> {
    const mel = logMel(pcm16k, this.logMelOptions);
    if (this.cmvn) subtractColumnMeans(mel);
    const m = stackFrames(mel, this.stack);
    return Promise.resolve({ hidden: { rows: m.frames, dim: m.dim, data: m.data }, logits: null });
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

export class LiteTextEncoder implements TextEncoderModel {
  constructor(
    readonly id: string,
    private readonly options: Partial<NgramOptions>,
  ) {}

  encode(text: string): Promise<TextEncoding> {
    const e = embedText(text, this.options);
    return Promise.resolve({ hidden: { rows: e.tokens.length, dim: e.dim, data: e.data }, tokenIds: [] });
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}
