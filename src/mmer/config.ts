/**
 * Dimensions and hyper-parameters of the MMER head (Ghosh et al., Interspeech 2023). Every shape in the parameter store
 * and every forward pass is derived from one of these objects, so a checkpoint and its config always travel together.
 */
import { AppError } from '../core/errors';

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
 * A small head for the lite encoders (80-bin log-mel frames, 256-d n-gram tokens). The log-mel frames carry no
 * context, so two fresh self-attention layers stand in for the wav2vec2 transformer.
 */
export function liteConfig(labels: readonly string[] = IEMOCAP_LABELS): MmerConfig {
  return {
    labels: [...labels],
    audioDim: 80,
    textDim: 256,
    hidden: 256,
    heads: 4,
    ffn: 1024,
    dropout: 0.1,
    layerNormEps: 1e-12,
    vocabSize: 32,
    audioLayers: 2,
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
  // tf.dropout rejects rate 1, and a NaN would silently disable every comparison below.
  if (!(c.dropout >= 0 && c.dropout < 1)) fail(`dropout must be in [0, 1) (got ${String(c.dropout)})`);
  if (!(c.layerNormEps > 0 && Number.isFinite(c.layerNormEps))) {
    fail(`layerNormEps must be a positive number (got ${String(c.layerNormEps)})`);
  }
  if (c.vocabSize < 2) fail('vocabSize must leave room for the blank and at least one symbol');
}
