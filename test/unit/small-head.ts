/** A small MMER head's config and manifest, shared by the checkpoint tests (fast to build, every kind of parameter). */
import type { HeadManifest } from '../../src/mmer/checkpoint';
import type { MmerConfig } from '../../src/mmer/config';

export const SMALL_CONFIG: MmerConfig = {
  labels: ['neutral', 'happy', 'sad'],
  audioDim: 8,
  textDim: 8,
  hidden: 16,
  heads: 2,
  ffn: 32,
  dropout: 0.1,
  layerNormEps: 1e-12,
  vocabSize: 5,
  audioLayers: 1,
};

export const SMALL_MANIFEST: HeadManifest = {
  format: 'mmer-head',
  version: 1,
  config: SMALL_CONFIG,
  encoders: { pair: 'lite', audio: 'logmel-80', text: 'ngram-256', hiddenStateLayer: 'head-input' },
  vocab: ['<pad>', '|', 'A', 'B', 'C'],
  loss: { ctc: 0.1, supcon: 0.1, acl: 0.1, temperature: 0.07, supconVariant: 'authors' },
  metrics: { ua: 0.5, wa: 0.625, macroF1: 0.4 },
  createdAt: '2026-01-02T03:04:05.000Z',
  training: { epochs: 3, lr: 5e-5, seed: 7 },
};
