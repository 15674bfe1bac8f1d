/**
 * Starting the head from the audio encoder's own weights: its top `encoderLayers` wav2vec2 layers and, when the CTC
 * head reads wav2vec2's space directly, the CTC head from the model's lm_head. Also says which hidden state the
 * encoder must expose for such a head, so training (CLI) and inference (page) cut the graph in the same place.
 */
import { readWav2vec2Layers, WeightReader, type WeightRecord } from '../runtime/layer-weights';
import { exposedLayer } from '../runtime/manifest';
import { encoderLayersOf, type MmerConfig } from './config';
import type { ParamStore } from './params';

/** Where the audio encoder's layers and CTC head live in its ONNX graph. */
export interface EncoderGraphInfo {
  /** Transformer layers in the encoder (12 in wav2vec2-base). */
  readonly numLayers: number;
  /** Scope of layer i with an `{i}` placeholder, e.g. `/wav2vec2/encoder/layers.{i}/`. */
  readonly layerScope: string;
  /** Scope of the CTC head, e.g. `/lm_head/`. */
  readonly headPrefix: string;
}

/** Where the graph is cut for k trainable layers; defined with the manifest, re-exported for the training code. */
export { exposedLayer };

/** Whether the CTC head sees wav2vec2's own frames (no input projection, no fresh layers), so lm_head fits it. */
export function ctcHeadMatchesEncoder(config: MmerConfig): boolean {
  return config.audioDim === config.hidden && config.audioLayers === 0;
}

/**
 * Reads the pretrained weights a head of `config` starts from: `encoder_layers.*` for its top k layers and, where
 * it fits, `ctc.*` from lm_head. Returns what was read (the caller assigns it with `ParamStore.assignSome`).
 */
export function readEncoderInit(
  onnxBytes: Uint8Array,
  config: MmerConfig,
  graph: EncoderGraphInfo,
): { weights: WeightRecord; ctcFromLmHead: boolean } {
  const reader = new WeightReader(onnxBytes);
  const k = encoderLayersOf(config).count;
  exposedLayer(k, graph.numLayers);
  const layers = Array.from({ length: k }, (_, j) => graph.numLayers - k + j);
  const weights = readWav2vec2Layers(reader, graph.layerScope, layers);
  const useHead = ctcHeadMatchesEncoder(config) && reader.hasScope(graph.headPrefix);
  if (useHead) {
    const { weight, bias } = reader.linear(graph.headPrefix);
    if (weight.shape[0] === config.audioDim && weight.shape[1] === config.vocabSize) {
      weights['ctc.weight'] = weight;
      weights['ctc.bias'] = bias;
      return { weights, ctcFromLmHead: true };
    }
  }
  return { weights, ctcFromLmHead: false };
}

/** Reads and assigns the encoder's weights into `params`; returns whether the CTC head came from lm_head. */
export function initFromEncoder(
  params: ParamStore,
  onnxBytes: Uint8Array,
  graph: EncoderGraphInfo,
): { ctcFromLmHead: boolean; tensors: number } {
  const { weights, ctcFromLmHead } = readEncoderInit(onnxBytes, params.config, graph);
  params.assignSome(weights);
  return { ctcFromLmHead, tensors: Object.keys(weights).length };
}
