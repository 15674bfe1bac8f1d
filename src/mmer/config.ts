/**
 * Dimensions and hyper-parameters of the MMER head (Ghosh et al., Interspeech 2023). Every shape in the parameter store
 * and every forward pass is derived from one of these objects, so a checkpoint and its config always travel together.
 */
import { AppError } from '../core/errors';
import { validateUtteranceSpec, type UtteranceSpec } from './utterance';

/** Everything that decides the head's parameter shapes and forward pass. */
export interface MmerConfig {
  /** Classifier classes, in logit order. */
  readonly labels: readonly string[];
  /** Dimension of one input audio frame (768 for wav2vec2-base hidden states; 80 for the lite log-mel encoder). */
  readonly audioDim: number;
  /** Dimension of one input text token (768 for RoBERTa-base; 256 for the lite n-gram embedder). */
  readonly textDim: number;
  /** Model width d of every attention block. */
  readonly hidden: number;
  /** Attention heads per block; must divide `hidden`. */
  readonly heads: number;
  /** Inner width of each block's feed-forward network (4d in BERT). */
  readonly ffn: number;
  /** Dropout probability used everywhere dropout appears (hidden states and attention probabilities). */
  readonly dropout: number;
  /** LayerNorm epsilon (BERT's 1e-12). */
  readonly layerNormEps: number;
  /** Size of the CTC vocabulary, blank included (32 for the wav2vec2 character tokenizer, blank = 0). */
  readonly vocabSize: number;
  /** Fresh self-attention blocks over the projected audio; 0 means the audio features are used as they come. */
  readonly audioLayers: number;
  /**
   * Top transformer layers of the audio encoder (wav2vec2) that run, and train, inside the head on the hidden state
   * exposed below them; initialised from the ONNX model's own weights. Absent or 0: the encoder is frozen.
   */
  readonly encoderLayers?: number;
  /** Attention heads of those layers (12 in wav2vec2-base); must divide `audioDim`. */
  readonly encoderHeads?: number;
  /** Feed-forward width of those layers (3072 in wav2vec2-base). */
  readonly encoderFfn?: number;
  /** LayerNorm epsilon of those layers (wav2vec2's 1e-5, not BERT's 1e-12). */
  readonly encoderLayerNormEps?: number;
  /**
   * Utterance statistics the audio encoder puts in front of its frames (see utterance.ts): two linear branches over
   * them add to the classifier's logits. Absent: the audio features are frames only.
   */
  readonly utterance?: UtteranceSpec;
}

/** The encoder layers a config runs, with every optional field resolved. */
export interface EncoderLayersSpec {
  readonly count: number;
  readonly heads: number;
  readonly ffn: number;
  readonly layerNormEps: number;
}

/** Resolves the optional encoder-layer fields: wav2vec2-base's heads, 4x FFN and eps 1e-5 unless set. */
export function encoderLayersOf(c: MmerConfig): EncoderLayersSpec {
  return {
    count: c.encoderLayers ?? 0,
    heads: c.encoderHeads ?? 12,
    ffn: c.encoderFfn ?? 4 * c.audioDim,
    layerNormEps: c.encoderLayerNormEps ?? 1e-5,
  };
}

/** IEMOCAP's four classes (happy and excited merged), the setting of the paper. */
export const IEMOCAP_LABELS: readonly string[] = ['neutral', 'happy', 'sad', 'angry'];

/** The authors' setting: wav2vec2-base and RoBERTa-base features, BERT-base-sized blocks, no extra audio layers. */
export const DEFAULT_CONFIG: MmerConfig = {
  labels: IEMOCAP_LABELS,
  audioDim: 768,
  textDim: 768,
  hidden: 768,
  heads: 12,
  ffn: 3072,
  dropout: 0.1,
  layerNormEps: 1e-12,
  vocabSize: 32,
  audioLayers: 0,
};

/**
 * A small head for the lite encoders (log-mel frames stacked in pairs: 160 values every 40 ms; 256-d n-gram tokens).
 * The log-mel frames carry no context, so two fresh self-attention layers stand in for the wav2vec2 transformer.
 * d = 128 keeps a training epoch over RAVDESS's 720 training clips within minutes on two CPU cores.
 * `compact` (d = 64, one audio layer) is for encoders whose utterance statistics carry most of the signal
 * (lite-acoustic): the frame path then only adds what the statistics miss, and a run takes a fraction of the time.
 */
export function liteConfig(
  labels: readonly string[] = IEMOCAP_LABELS,
  size: 'standard' | 'compact' = 'standard',
): MmerConfig {
  const compact = size === 'compact';
  return {
    labels: [...labels],
    audioDim: 160,
    textDim: 256,
    hidden: compact ? 64 : 128,
    heads: 4,
    ffn: compact ? 256 : 512,
    dropout: 0.1,
    layerNormEps: 1e-12,
    vocabSize: 32,
    audioLayers: compact ? 1 : 2,
  };
}

function isPositiveInt(v: number): boolean {
  return Number.isInteger(v) && v > 0;
}

/**
 * Checks that a config describes a buildable model, so a bad checkpoint header fails here with a readable message
 * rather than deep inside a matrix multiply.
 * @throws AppError('bad-model') naming the first offending field.
 */
export function validateConfig(c: MmerConfig): void {
  const fail = (msg: string): never => {
    throw new AppError('bad-model', `Invalid MMER model configuration: ${msg}.`);
  };
  if (!Array.isArray(c.labels) || c.labels.length < 2) fail('at least two labels are needed');
  if (c.labels.some((l) => typeof l !== 'string' || l.length === 0)) fail('labels must be non-empty strings');
  if (new Set(c.labels).size !== c.labels.length) fail('labels must be unique');
  const ints = ['audioDim', 'textDim', 'hidden', 'heads', 'ffn', 'vocabSize'] as const;
  for (const key of ints) {
    if (!isPositiveInt(c[key])) fail(`${key} must be a positive integer (got ${String(c[key])})`);
  }
  if (!Number.isInteger(c.audioLayers) || c.audioLayers < 0) {
    fail(`audioLayers must be a non-negative integer (got ${String(c.audioLayers)})`);
  }
  if (c.hidden % c.heads !== 0) fail(`hidden (${c.hidden}) must be divisible by heads (${c.heads})`);
  const enc = encoderLayersOf(c);
  if (!Number.isInteger(enc.count) || enc.count < 0)
    fail(`encoderLayers must be a non-negative integer (got ${String(enc.count)})`);
  if (enc.count > 0) {
    if (!isPositiveInt(enc.heads) || c.audioDim % enc.heads !== 0) {
      fail(`encoderHeads (${String(enc.heads)}) must be a positive integer dividing audioDim (${c.audioDim})`);
    }
    if (!isPositiveInt(enc.ffn)) fail(`encoderFfn must be a positive integer (got ${String(enc.ffn)})`);
    if (!(enc.layerNormEps > 0 && Number.isFinite(enc.layerNormEps))) {
      fail(`encoderLayerNormEps must be a positive number (got ${String(enc.layerNormEps)})`);
    }
  }
  // tf.dropout rejects rate 1, and a NaN would silently disable every comparison below.
  if (!(c.dropout >= 0 && c.dropout < 1)) fail(`dropout must be in [0, 1) (got ${String(c.dropout)})`);
  if (!(c.layerNormEps > 0 && Number.isFinite(c.layerNormEps))) {
    fail(`layerNormEps must be a positive number (got ${String(c.layerNormEps)})`);
  }
  if (c.vocabSize < 2) fail('vocabSize must leave room for the blank and at least one symbol');
  if (c.utterance !== undefined) {
    const problem = validateUtteranceSpec(c.utterance, c.audioDim);
    if (problem !== null) fail(problem);
  }
}
