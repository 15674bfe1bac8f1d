/**
 * One definition of the head a pair trains, of the run settings as the trainer takes them, and of the head's
 * config.json, shared by the CLI (`mmer train`) and the page's trainer (library-train.ts), so a head trained in either
 * place has the same fields and loads in both. Pure code: no Node, no DOM, no TensorFlow.js.
 */
import { DEFAULT_CONFIG, liteConfig, type MmerConfig } from '../mmer/config';
import type { HeadManifest } from '../mmer/checkpoint';
import type { LossWeights, TrainOptions } from '../mmer/trainer';
import type { MetricsSummary, TrainSettings } from '../worker-api/training-protocol';
import type { PairIdentity } from '../inference/head-target';
import type { EncoderGraph } from '../inference/load-encoders';

/**
 * The head trained for a pair: the lite preset for encoders without a graph; otherwise BERT-style blocks at the audio
 * encoder's own width, heads and FFN (for wav2vec2-base exactly the authors' 768/12/3072), which also lets the CTC
 * head start from lm_head. The encoder's shapes come from its transformers config.json.
 */
export function headConfig(
  labels: readonly string[],
  dims: { readonly audio: number; readonly text: number; readonly utterance?: boolean },
  graph: Pick<EncoderGraph, 'config'> | null,
  encoderLayers: number,
): MmerConfig {
  if (graph === null)
    return {
      ...liteConfig(labels, dims.utterance === true ? 'compact' : 'standard'),
      audioDim: dims.audio,
      textDim: dims.text,
    };
  const c = graph.config;
  const int = (v: unknown, fallback: number): number =>
    typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : fallback;
  const heads = int(c.num_attention_heads, DEFAULT_CONFIG.heads);
  const ffn = int(c.intermediate_size, 4 * dims.audio);
  const eps = typeof c.layer_norm_eps === 'number' ? c.layer_norm_eps : 1e-5;
  const encoder =
    encoderLayers > 0 ? { encoderLayers, encoderHeads: heads, encoderFfn: ffn, encoderLayerNormEps: eps } : {};
  return {
    ...DEFAULT_CONFIG,
    labels: [...labels],
    audioDim: dims.audio,
    textDim: dims.text,
    hidden: dims.audio,
    heads,
    ffn,
    ...encoder,
  };
}

/** The loss weights of a run (SupCon as Khosla et al., as the authors use it). */
export function lossWeights(s: TrainSettings): LossWeights {
  return {
    ctc: s.ctcWeight,
    supcon: s.supconWeight,
    acl: s.aclWeight,
    temperature: s.temperature,
    supconVariant: 'khosla',
  };
}

/** `fit` options from run settings (gradient clipping and Adam's betas stay at their defaults). */
export function fitOptions(
  s: TrainSettings,
  trainClips: number,
): Pick<TrainOptions, 'epochs' | 'batchSize' | 'seed' | 'patience' | 'optimizer' | 'loss'> {
  const decaySteps = s.lrDecay === 'cosine' ? s.epochs * Math.ceil(trainClips / s.batchSize) : 0;
  return {
    epochs: s.epochs,
    batchSize: s.batchSize,
    seed: s.seed,
    patience: s.patience,
    optimizer: { lr: s.learningRate, weightDecay: s.weightDecay, warmupSteps: s.warmupSteps, decaySteps },
    loss: lossWeights(s),
  };
}

/** Facts about a run that config.json's `training` records beside the settings (JSON-safe). */
export interface RunFacts {
  readonly trainClips: number;
  readonly validationClips: number;
  /** The engine backend that trained the head (`wasm`, `webgpu`, `cpu`). */
  readonly engine: string;
  readonly [key: string]: unknown;
}

/** What `headManifest` writes into config.json. */
export interface HeadManifestInput {
  readonly config: MmerConfig;
  /** The encoders the features came from, with the hidden state the head was trained on. */
  readonly encoders: PairIdentity;
  /** CTC vocabulary, index -> symbol. */
  readonly vocab: readonly string[];
  /** Loss weights actually used (e.g. CTC 0 when no clip had a transcript). */
  readonly loss: LossWeights;
  /** Best validation epoch and its metrics, or null when there was no validation split. */
  readonly best: { readonly epoch: number; readonly metrics: MetricsSummary } | null;
  readonly settings: TrainSettings;
  readonly run: RunFacts;
  /** ISO 8601; default now. */
  readonly createdAt?: string;
}

/**
 * The content of a trained head's config.json. `training` holds every run setting plus the run's facts (clip counts,
 * engine), so a head says how it was made wherever it was trained.
 */
export function headManifest(input: HeadManifestInput): HeadManifest {
  const { best } = input;
  return {
    format: 'mmer-head',
    version: 1,
    config: input.config,
    encoders: {
      pair: input.encoders.pair,
      audio: input.encoders.audio,
      text: input.encoders.text,
      hiddenStateLayer: input.encoders.hiddenStateLayer,
    },
    vocab: [...input.vocab],
    loss: { ...input.loss },
    metrics:
      best === null
        ? null
        : { ua: best.metrics.ua, wa: best.metrics.wa, macroF1: best.metrics.macroF1, epoch: best.epoch },
    createdAt: input.createdAt ?? new Date().toISOString(),
    training: { ...input.settings, labels: [...input.settings.labels], ...input.run },
  };
}
