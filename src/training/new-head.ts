/**
 * One definition of a fresh head for a pair, shared by the CLI (`mmer train`) and the page's trainer
 * (library-train.ts): its config from the encoders' widths and graph, the utterance-statistics normalisation fitted
 * on the training clips, seeded parameters, and the encoder layers and CTC head read from the audio graph where the
 * pair has one.
 */
import { validateConfig, type MmerConfig } from '../mmer/config';
import { initFromEncoder } from '../mmer/encoder-init';
import { ParamStore } from '../mmer/params';
import { prepareUtteranceRun } from '../mmer/speaker-adapt';
import type { TrainExample } from '../mmer/trainer';
import type { UtteranceFeatureSet } from '../encoders/types';
import type { EncoderGraph } from '../inference/load-encoders';
import { headConfig } from './head-config';

/** What a fresh head is made from. */
export interface NewHeadSpec {
  readonly labels: readonly string[];
  /** Feature widths of the training clips (audio frames, text tokens). */
  readonly dims: { readonly audio: number; readonly text: number };
  /** The audio encoder's utterance statistics, or null when it computes none. */
  readonly featureSet: UtteranceFeatureSet | null;
  /** The audio encoder's graph (null for encoders without one, lite). */
  readonly graph: EncoderGraph | null;
  /** Audio encoder layers the head trains (0 without a graph). */
  readonly encoderLayers: number;
  readonly train: readonly TrainExample[];
  /** Speaker of each training clip (their statistics are normalised per speaker). */
  readonly speakers: readonly string[];
  readonly utteranceDropout: number;
  readonly seed: number;
}

/** A fresh head; the caller disposes `params`. `train` is the training set as the head reads it (profiles applied). */
export function newHead(spec: NewHeadSpec): {
  params: ParamStore;
  config: MmerConfig;
  train: TrainExample[];
  ctcFromLmHead: boolean;
} {
  const dims = { ...spec.dims, utterance: spec.featureSet !== null };
  const plain = headConfig(spec.labels, dims, spec.graph, spec.encoderLayers);
  const prepared = prepareUtteranceRun(plain, spec.featureSet, spec.train, spec.speakers, spec.utteranceDropout);
  validateConfig(prepared.config);
  const params = ParamStore.init(prepared.config, spec.seed);
  let ctcFromLmHead = false;
  try {
    const g = spec.graph;
    if (g !== null) {
      const scope = { numLayers: g.entry.numLayers, layerScope: g.entry.surgery.layerScope ?? '' };
      ctcFromLmHead = initFromEncoder(params, g.bytes, {
        ...scope,
        headPrefix: g.entry.surgery.headPrefix,
      }).ctcFromLmHead;
    }
  } catch (err) {
    params.dispose();
    throw err;
  }
  return { params, config: prepared.config, train: prepared.train, ctcFromLmHead };
}
