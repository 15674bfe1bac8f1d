/** The weight-free "lite" pair: log-mel frames for audio, hashed character n-grams for text. No ASR. */
import { logMel, type LogMelOptions } from '../audio/logmel';
import { AppError } from '../core/errors';
import { embedText, type NgramOptions } from '../text/ngram-embed';
import type { AudioEncoderModel, AudioEncoding, TextEncoderModel, TextEncoding } from './types';

/** Options of the lite audio encoder: log-mel settings plus `stack`, consecutive frames joined into one. */
export type LiteAudioOptions = Partial<LogMelOptions> & { readonly stack?: number };

/**
 * Stacks `k` consecutive frames of a frame-major matrix into one frame of k*dim values (a trailing partial group is
 * dropped). Stacking shortens the sequence the head's attention runs over by k, which is what makes training on
 * CPU/WASM affordable, while keeping every filterbank value.
 */
export function stackFrames(m: { frames: number; dim: number; data: Float32Array }, k: number): { frames: number; dim: number; data: Float32Array } {
  if (!Number.isInteger(k) || k < 1) throw new AppError('internal', `Frame stacking must be a positive integer (got ${String(k)}).`);
  if (k === 1) return m;
  const frames = Math.floor(m.frames / k);
  // Frame-major data: k consecutive frames already sit next to each other, so stacking is a reinterpretation.
  return { frames, dim: m.dim * k, data: m.data.slice(0, frames * k * m.dim) };
}

export class LiteAudioEncoder implements AudioEncoderModel {
  readonly hasAsr = false;
  readonly vocab: readonly string[] = [];
  private readonly logMelOptions: Partial<LogMelOptions>;
  private readonly stack: number;
  constructor(
    readonly id: string,
    options: LiteAudioOptions,
  ) {
    const { stack, ...logMelOptions } = options;
    this.stack = stack ?? 1;
    this.logMelOptions = logMelOptions;
  }

  encode(pcm16k: Float32Array): Promise<AudioEncoding> {
    const m = stackFrames(logMel(pcm16k, this.logMelOptions), this.stack);
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
