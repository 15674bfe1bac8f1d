/** Encoder outputs: row-major [frames x dim] matrices, one clip at a time. */
export interface FeatureMatrix {
  readonly rows: number;
  readonly dim: number;
  readonly data: Float32Array;
}

/**
 * What one pass of the audio encoder gives: hidden states for the emotion head, and CTC logits when it has an ASR head.
 */
export interface AudioEncoding {
  readonly hidden: FeatureMatrix;
  readonly logits: FeatureMatrix | null;
}

/** Whole-clip statistics an audio encoder can add in front of its frames (see src/mmer/utterance.ts). */
export interface UtteranceFeatureSet {
  /** Names the feature definitions; a head trained on one set only runs on the same set. */
  readonly id: string;
  readonly dim: number;
  /** The statistics of one clip of 16 kHz mono audio; NaN where one is missing. */
  compute(pcm16k: Float32Array): Float32Array;
}

export interface AudioEncoderModel {
  readonly id: string;
  /** Utterance statistics this encoder puts in front of its frames (over the whole clip, not per window). */
  readonly utterance?: UtteranceFeatureSet | null;
  /** True when the encoder recognises speech (has CTC logits and a vocabulary). */
  readonly hasAsr: boolean;
  /** The hidden state's width when the graph declares it (no pass needed to learn it); null or absent otherwise. */
  readonly hiddenWidth?: number | null;
  /** CTC vocabulary (index -> symbol); empty when `hasAsr` is false. */
  readonly vocab: readonly string[];
  /** Encodes one window of 16 kHz mono audio (raw, not yet normalised). */
  encode(pcm16k: Float32Array): Promise<AudioEncoding>;
  dispose(): Promise<void>;
}

export interface TextEncoding {
  readonly hidden: FeatureMatrix;
  readonly tokenIds: readonly number[];
}

export interface TextEncoderModel {
  readonly id: string;
  /** The hidden state's width when the graph declares it (no pass needed to learn it); null or absent otherwise. */
  readonly hiddenWidth?: number | null;
  encode(text: string): Promise<TextEncoding>;
  dispose(): Promise<void>;
}
