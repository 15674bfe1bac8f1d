/** The weight-free "lite" pair: log-mel frames for audio, hashed character n-grams for text. No ASR. */
import { logMel, type LogMelOptions } from '../audio/logmel';
import { embedText, type NgramOptions } from '../text/ngram-embed';
import type { AudioEncoderModel, AudioEncoding, TextEncoderModel, TextEncoding } from './types';

export class LiteAudioEncoder implements AudioEncoderModel {
  readonly hasAsr = false;
  readonly vocab: readonly string[] = [];
  constructor(
    readonly id: string,
    private readonly options: Partial<LogMelOptions>,
  ) {}

  encode(pcm16k: Float32Array): Promise<AudioEncoding> {
    const m = logMel(pcm16k, this.options);
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
