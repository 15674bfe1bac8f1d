/** A tiny MMER head shared by tests: fast on every backend, yet with every block (one audio layer, masks, CTC). */
import type { MmerConfig } from '../src/mmer/config';

export const TINY_MMER_CONFIG: MmerConfig = {
  labels: ['a', 'b', 'c'],
  audioDim: 6,
  textDim: 5,
  hidden: 8,
  heads: 2,
  ffn: 16,
  dropout: 0.1,
  layerNormEps: 1e-12,
  vocabSize: 6,
  audioLayers: 1,
};
